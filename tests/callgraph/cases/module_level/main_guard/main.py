import sys


def parse(argv):
    return len(argv)


def main():
    return parse(sys.argv)


if __name__ == "__main__":
    raise SystemExit(main())
