from .stock import reserve
