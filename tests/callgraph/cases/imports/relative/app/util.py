def clean(value):
    return value[1:]
