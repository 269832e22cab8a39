import tools as t
from tools import Counter as Tally
from tools import slugify as slug


def label(text):
    return slug(text)


def count():
    c = Tally()
    return c.bump()


label("A B")
count()
t.slugify("x")
