def render(kind, user):
    return kind + ":" + user
