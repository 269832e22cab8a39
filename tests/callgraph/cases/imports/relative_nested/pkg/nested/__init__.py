from .. import top
from .tools import tool

top()
