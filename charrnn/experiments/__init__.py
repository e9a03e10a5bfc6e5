"""Experiments on what recurrent networks remember: gradient flow through time, the palindrome task."""
