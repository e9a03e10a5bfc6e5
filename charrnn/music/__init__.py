"""ABC folk tunes: the notation read and checked (abc), tunes sampled under the grammar
(steer), played as abc2midi plays them (play), and reported on against a corpus (report)."""
