import math


def retry_delay(attempt):
    return math.pow(2, attempt) / 1000
