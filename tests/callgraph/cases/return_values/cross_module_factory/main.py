from factory import build_client


def main():
    client = build_client("https://x")
    return client.send("ping")


main()
