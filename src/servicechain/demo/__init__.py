"""A demo retail chain with a planted service-profit chain, for tests, docs and ``demo``.

``generate_demo`` builds every import kind as DataFrames together with the ground truth
that analyses should recover; ``export_demo`` writes them as the files a user would
import. The planted model is documented in ``docs/demo-ground-truth.md``.
"""

from servicechain.demo.chain import ChainParameters
from servicechain.demo.export import export_demo
from servicechain.demo.generate import KINDS, DemoConfig, DemoData, generate_demo

__all__ = ["KINDS", "ChainParameters", "DemoConfig", "DemoData", "export_demo", "generate_demo"]
