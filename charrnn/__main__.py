"""`python -m charrnn` runs the command line (and is what `torchrun -m charrnn` starts)."""

from charrnn.cli import main

if __name__ == "__main__":
    main()
