class Animal:
    def speak(self):
        return "..."

    def name(self):
        return "animal"


class Dog(Animal):
    def speak(self):
        return "woof"


d = Dog()
d.speak()
d.name()
