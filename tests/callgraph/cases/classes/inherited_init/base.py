class Model:
    def __init__(self):
        self.table = "models"
