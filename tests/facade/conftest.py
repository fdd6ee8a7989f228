"""Facade tests compare ``import torch`` with ``import fgrad_nn as torch`` (see oracle.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
