"""The mipanel web app: `panel serve app.py` (one Dashboard per browser session).

The dashboard itself lives in mipanel.app; this file only puts it in a template.
"""
from pathlib import Path

import panel as pn
import torch

from mipanel.app import Dashboard

# Every browser session trains in its own worker thread. One intra-op thread per run
# keeps concurrent sessions (and the server itself) from oversubscribing the cores,
# which slows the small matrix products of MI critics by an order of magnitude.
torch.set_num_threads(1)

ASSETS = Path(__file__).parent / "assets"

pn.extension("tabulator", throttled=True, notifications=False)


def page() -> pn.template.FastListTemplate:
    dashboard = Dashboard()
    return pn.template.FastListTemplate(
        title="mipanel", logo=str(ASSETS / "logo.svg"), favicon=str(ASSETS / "logo.svg"),
        sidebar=[dashboard.sidebar], main=[dashboard.main], sidebar_width=370,
        accent="#1f5fa8", header_background="#1f3a5f",
        raw_css=[(ASSETS / "mipanel.css").read_text()], main_layout=None,
    )


page().servable()
