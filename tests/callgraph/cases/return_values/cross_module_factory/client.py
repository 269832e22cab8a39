class HttpClient:
    def __init__(self, url):
        self.url = url

    def send(self, message):
        return self.url + message
