from .models import Item
from .pricing import total as compute_total

__all__ = ["Item", "compute_total"]
