from app.core import process
from app.sub.deep import go

process(" a")
go()
