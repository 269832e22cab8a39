import numpy as np
import requests
from flask import Flask, jsonify

app = Flask(__name__)


def download(url):
    response = requests.get(url, timeout=5)
    return response


def vector():
    return np.zeros(3)


def health():
    return jsonify(status="ok")
