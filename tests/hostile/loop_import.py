# Never finishes loading.
while True:
    pass


def affine(x, shift=1.0):
    return x
