"""Settings round-trip through the page URL, so a shared link opens the same preset."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlparse

from panel.io.location import Location

from mipanel.app.dashboard import Dashboard
from mipanel.app.url_state import data_names, settings_names


def _query(location: Location) -> dict:
    return dict(parse_qsl(urlparse(location.search).query or location.search.lstrip("?")))


def test_settings_to_query_and_back(tiny_query):
    first = Dashboard(query=tiny_query, sync_url=False)
    first.settings.param.update(estimator="smile", critic="vsib-bilinear", tau=3.5, lr=2e-4, spectral_norm=True)
    first.options.param.update(mode="rigorous", confidence=0.95, max_gamma=8)
    first.data.current_source.param.update(seed=11, mi=1.5)
    query = first.url.to_query()
    assert query["source"] == "gaussian" and query["estimator"] == "smile" and query["kz"] == "8"
    assert query["data_seed"] == "11" and query["seed"] == "0" and "device" not in query

    second = Dashboard(query=query, sync_url=False)
    assert second.settings.to_dict() == first.settings.to_dict()
    assert second.options.param.values() | {"name": ""} == first.options.param.values() | {"name": ""}
    assert second.data.current_source.param.values() | {"name": ""} == \
        first.data.current_source.param.values() | {"name": ""}
    assert second.url.to_query() == query
    assert second.spec().to_dict() == first.spec().to_dict()


def test_clashing_source_names_are_prefixed():
    from mipanel.data.gaussian import LatentModel

    names = data_names(LatentModel(), set(settings_names()))
    assert names["seed"] == "data_seed" and names["map_seed"] == "map_seed" and names["latent_dim"] == "latent_dim"


def test_a_link_opens_the_app_on_its_preset_and_widgets_rewrite_the_link():
    loc = Location(search="?source=latent&n_samples=512&dim=40&estimator=smile&kz=16&epochs=5&mode=rigorous")
    dash = Dashboard(sync_url=False)
    dash.url.sync(loc)
    src = dash.data.current_source
    assert dash.data.source == "latent" and (src.n_samples, src.dim) == (512, 40)
    assert (dash.settings.estimator, dash.settings.kz, dash.settings.epochs) == ("smile", 16, 5)
    assert dash.options.mode == "rigorous" and dash.data.dataset.n == 512
    dash.estimator.widgets["kz"].value = 24
    assert _query(loc)["kz"] == "24"
    dash.data.current_form.widgets["latent_dim"].value = 4
    assert _query(loc)["latent_dim"] == "4"
    dash.data.source = "gaussian"  # the latent settings leave the link, the gaussian ones enter it
    query = _query(loc)
    assert query["source"] == "gaussian" and "latent_dim" not in query and query["dim"] == "5"


def test_an_out_of_bounds_value_in_a_link_is_reported_not_fatal(tiny_query):
    dash = Dashboard(query={**tiny_query, "kz": "100000", "unknown": "1"}, sync_url=False)
    assert "kz" in dash.error and dash.settings.kz == 64
    assert dash.settings.epochs == 4  # the rest of the link still applies
