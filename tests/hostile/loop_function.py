# Spins forever in every call.
def affine(x, shift=1.0):
    n = 0
    while True:
        n += 1
