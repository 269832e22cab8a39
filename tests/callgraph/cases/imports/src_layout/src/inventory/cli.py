from inventory import reserve


def main():
    return reserve("sku-1")


if __name__ == "__main__":
    main()
