import logging
import time

from helpers import retry_delay

log = logging.getLogger(__name__)


def wait(attempt):
    time.sleep(retry_delay(attempt))


wait(0)
