from client import HttpClient


def build_client(url):
    return HttpClient(url)
