def _impl_fast(data):
    return data


def _impl_slow(data):
    return data


impl = _impl_fast
fallback = _impl_slow


def run(data):
    return impl(data)


def run_fallback(data):
    return fallback(data)


run(1)
