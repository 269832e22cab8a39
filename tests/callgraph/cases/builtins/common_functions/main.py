def summarize(values):
    count = len(values)
    ordered = sorted(values)
    pairs = list(zip(range(count), ordered))
    for index, value in enumerate(ordered):
        if isinstance(value, int):
            print(index, str(value))
    return min(values), max(values), sum(values), abs(values[0]), pairs


summarize([3, 1, 2])
