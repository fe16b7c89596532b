# A lone surrogate and terminal escape sequences in an exception message: writing the results
# used to fail with UnicodeEncodeError, and ESC sequences reached the instructor's terminal.
def affine(x, shift=1.0):
    raise ValueError("\udcff\x1b]0;pwned\x07\x1b[2J\x1b[31mYOU ARE HACKED\u202e")
