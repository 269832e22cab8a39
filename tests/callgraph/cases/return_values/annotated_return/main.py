class Repo:
    def save(self):
        return "saved"


_REPO = Repo()


def get_repo() -> Repo:
    return _REPO


get_repo().save()
