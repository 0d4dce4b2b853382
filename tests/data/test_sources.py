"""Synthetic sources: ground truth checked independently, sampling reproducible and well shaped."""
import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtr

from mipanel.baselines import ksg_mi
from mipanel.data import (
    SOURCES,
    TASKS,
    CorrelatedGaussian,
    DigitsViews,
    LatentModel,
    ShapeTask,
    make_source,
)
from mipanel.data import shapes
from mipanel.data.digits import load_digit_images
from mipanel.data.gaussian import rho_for_mi
from mipanel.interface import NATS_PER_BIT, Dataset, DataSource


def _pair_covariance(n_pairs, rho):
    """Joint covariance of n_pairs independent (X_i, Y_i) pairs with correlation rho."""
    eye = np.eye(n_pairs)
    return np.block([[eye, rho * eye], [rho * eye, eye]])


# --------------------------------------------------------------------------- Gaussian


@pytest.mark.parametrize("dim,bits", [(1, 1.0), (5, 2.0), (50, 12.0)])
def test_correlated_gaussian_truth_matches_logdet_formula(dim, bits):
    source = CorrelatedGaussian(dim=dim, mi=bits)
    logdet = shapes.gaussian_logdet_mi(_pair_covariance(dim, source.rho), dim)
    assert source.mutual_information() == pytest.approx(bits * NATS_PER_BIT, rel=1e-12)
    assert logdet == pytest.approx(source.mutual_information(), rel=1e-9)


def test_correlated_gaussian_samples_have_the_intended_correlation():
    source = CorrelatedGaussian(dim=3, mi=3.0, n_samples=20_000, seed=4)
    data = source.sample()
    assert data.x.shape == (20_000, 3) and data.y.shape == (20_000, 3)
    r = [np.corrcoef(data.x[:, i], data.y[:, i])[0, 1] for i in range(3)]
    np.testing.assert_allclose(r, source.rho, atol=0.01)
    assert abs(np.corrcoef(data.x[:, 0], data.y[:, 1])[0, 1]) < 0.03


def test_rho_for_mi_inverts_the_pair_formula():
    for nats, d in [(0.1, 1), (2.0, 5), (8.0, 2)]:
        rho = rho_for_mi(nats, d)
        assert -0.5 * d * math.log1p(-rho * rho) == pytest.approx(nats, rel=1e-6)


def test_large_mi_keeps_exact_noise_scale():
    data = CorrelatedGaussian(dim=1, mi=40.0, n_samples=1000).sample()
    residual = data.y - data.x
    assert np.all(np.isfinite(data.y)) and np.std(residual) > 0
    assert np.std(residual) == pytest.approx(math.exp(-40 * NATS_PER_BIT), rel=0.1)


# --------------------------------------------------------------------------- latent model


def test_latent_truth_is_the_latent_gaussian_mi():
    source = LatentModel(dim=50, latent_dim=4, mi=3.0)
    rho = rho_for_mi(3.0 * NATS_PER_BIT, 4)
    assert source.mutual_information() == pytest.approx(
        shapes.gaussian_logdet_mi(_pair_covariance(4, rho), 4), rel=1e-9)


@pytest.mark.parametrize("mapping", ["linear", "nonlinear"])
def test_latent_maps_are_fixed_and_injective(mapping):
    a = LatentModel(dim=30, latent_dim=5, mapping=mapping, seed=1, n_samples=100)
    b = LatentModel(dim=30, latent_dim=5, mapping=mapping, seed=2, n_samples=500)
    for wa, wb in zip(a.maps(), b.maps()):
        for key in wa:
            np.testing.assert_array_equal(wa[key], wb[key])
        mats = [wa["A"]] if mapping == "linear" else [wa["W1"], wa["W2"]]
        for m in mats:  # stored as (in, out): full row rank = injective linear stage
            assert np.linalg.matrix_rank(m) == m.shape[0]
    assert a.maps()[0][next(iter(a.maps()[0]))].shape[0] == 5
    other = LatentModel(dim=30, latent_dim=5, mapping=mapping, map_seed=7)
    assert not np.array_equal(other.maps()[0][next(iter(other.maps()[0]))],
                              a.maps()[0][next(iter(a.maps()[0]))])


def test_latent_default_shapes_and_dtype():
    data = LatentModel(n_samples=64).sample()
    assert data.x.shape == (64, 500) and data.y.shape == (64, 500)
    assert data.x.ndim == 2 and data.true_mi == pytest.approx(4 * NATS_PER_BIT)


def test_latent_without_injective_map_reports_a_bound():
    data = LatentModel(dim=3, latent_dim=5, n_samples=64).sample()
    assert data.true_mi is None
    assert data.mi_upper_bound == pytest.approx(4 * NATS_PER_BIT)


@pytest.mark.parametrize("mapping", ["linear", "nonlinear"])
def test_latent_low_dimensional_ksg_agrees(mapping):
    data = LatentModel(dim=3, latent_dim=2, mi=1.0, mapping=mapping, n_samples=3000, seed=1).sample()
    assert ksg_mi(data.x, data.y) == pytest.approx(data.true_mi, abs=0.08)


# --------------------------------------------------------------------------- shape tasks


def test_sparse_gaussian_closed_form_matches_logdet():
    for d in (1, 2, 5):
        cov = np.eye(2 * d)
        for i in range(min(2, d)):
            cov[i, d + i] = cov[d + i, i] = 0.8
        expected = shapes.gaussian_logdet_mi(cov, d)
        assert shapes.sparse_gaussian_mi(d) == pytest.approx(expected, rel=1e-12)
    assert shapes.sparse_gaussian_mi(5) == pytest.approx(1.0217, abs=1e-4)


def test_dense_gaussian_logdet_matches_equicorrelation_determinants():
    for d, c in [(1, 0.3), (3, 0.5), (10, 0.2)]:
        def logdet(m):  # det of an m x m equicorrelation matrix
            return (m - 1) * math.log(1 - c) + math.log(1 + (m - 1) * c)
        expected = 0.5 * (2 * logdet(d) - logdet(2 * d))
        assert shapes.dense_gaussian_mi(d, c) == pytest.approx(expected, rel=1e-10)


def test_dense_gaussian_sampler_has_correlation_c():
    data = ShapeTask(base="dense-gaussian", dim=3, correlation=0.5, n_samples=20_000).sample()
    corr = np.corrcoef(np.hstack([data.x, data.y]).T)
    off = corr[~np.eye(6, dtype=bool)]
    np.testing.assert_allclose(off, 0.5, atol=0.02)


@pytest.mark.parametrize("dim,nu", [(1, 1.0), (2, 3.0), (3, 5.0)])
def test_student_t_closed_form_matches_monte_carlo(dim, nu):
    rng = np.random.default_rng(0)
    x, y = shapes.sample_student_t(rng, 100_000, dim, dim, nu)
    joint = stats.multivariate_t(loc=np.zeros(2 * dim), shape=np.eye(2 * dim), df=nu)
    marginal = stats.multivariate_t(loc=np.zeros(dim), shape=np.eye(dim), df=nu)
    ratio = joint.logpdf(np.hstack([x, y])) - marginal.logpdf(x) - marginal.logpdf(y)
    se = ratio.std() / math.sqrt(ratio.size)
    truth = shapes.student_t_mi(dim, dim, nu)
    assert truth > 0
    assert abs(ratio.mean() - truth) < 4 * se + 1e-3


def test_student_t_entropy_matches_scipy_in_one_dimension():
    for nu in (1.0, 3.0, 10.0):
        assert shapes.student_t_entropy(1, nu) == pytest.approx(stats.t(df=nu).entropy(), rel=1e-10)


@pytest.mark.parametrize("eps", [0.1, 0.5, 0.75, 2.0])
def test_additive_noise_closed_form_matches_monte_carlo(eps):
    rng = np.random.default_rng(1)
    x, y = shapes.sample_additive_noise(rng, 200_000, eps)
    # p(y|x) = 1/(2 eps) on its support; p(y) = |[y - eps, y + eps] intersect [0, 1]| / (2 eps)
    p_y = (np.minimum(1.0, y + eps) - np.maximum(0.0, y - eps)) / (2 * eps)
    ratio = -math.log(2 * eps) - np.log(p_y)
    se = ratio.std() / math.sqrt(ratio.size)
    assert abs(ratio.mean() - shapes.additive_noise_mi(eps)) < 4 * se + 1e-4


def test_additive_noise_formula_is_continuous_at_one_half():
    assert shapes.additive_noise_mi(0.5) == pytest.approx(0.5)
    assert shapes.additive_noise_mi(0.5 + 1e-12) == pytest.approx(0.5)


@pytest.mark.parametrize("transform", list(shapes.TRANSFORMS))
@pytest.mark.parametrize("base", ["sparse-gaussian", "student-t", "dense-gaussian"])
def test_transformed_task_keeps_base_truth_and_inverts(transform, base):
    settings = dict(base=base, dim=3, nu=3.0, n_samples=500, seed=3)
    plain = ShapeTask(**settings)
    bent = ShapeTask(transform=transform, **settings)
    assert bent.mutual_information() == plain.mutual_information()
    assert bent.task_id() == f"{transform}-{plain.task_id()}"
    raw, mapped = plain.sample(), bent.sample()
    for original, image in ((raw.x, mapped.x), (raw.y, mapped.y)):
        assert not np.allclose(original, image)
        ok = np.abs(original) < 5  # Phi(t) keeps few digits of 1 - Phi(t) for large t
        recovered = shapes.invert_transform(transform, image)
        np.testing.assert_allclose(recovered[ok.all(axis=1)], original[ok.all(axis=1)],
                                   rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("name", ["half-cube", "asinh", "normal-cdf", "wiggly", "bimodal"])
def test_coordinatewise_transforms_are_strictly_increasing(name):
    grid = np.linspace(-6, 6, 20_001)
    values = shapes.apply_transform(name, grid)
    assert np.all(np.diff(values) > 0)


def test_bimodal_produces_the_mixture_distribution():
    t = np.linspace(-7, 7, 2001)
    s = shapes.bimodal(t)
    np.testing.assert_allclose(0.3 * ndtr(s) + 0.7 * ndtr(s - 5), ndtr(t), rtol=1e-10, atol=1e-300)
    sample = shapes.bimodal(np.random.default_rng(0).standard_normal(50_000))
    assert sample.mean() == pytest.approx(3.5, abs=0.05)


def test_spiral_preserves_norm_and_rotates():
    v = np.random.default_rng(0).standard_normal((100, 4))
    w = shapes.spiral(v)
    np.testing.assert_allclose(np.linalg.norm(w, axis=1), np.linalg.norm(v, axis=1))
    np.testing.assert_array_equal(w[:, 2:], v[:, 2:])
    np.testing.assert_allclose(shapes.spiral_inverse(w), v, atol=1e-12)


def test_spiral_needs_two_coordinates_per_side():
    with pytest.raises(ValueError, match=r"spiral transform rotates two coordinates"):
        ShapeTask(base="additive-noise", transform="spiral").sample()
    with pytest.raises(ValueError, match=r"dim >= 2"):
        ShapeTask(base="sparse-gaussian", dim=1, transform="spiral").mutual_information()


def test_swiss_roll_truth_and_invertible_embedding():
    task = ShapeTask(base="swiss-roll", n_samples=2000, seed=5)
    assert task.mutual_information() == pytest.approx(-0.5 * math.log(1 - 0.8**2))
    assert task.task_id() == "swiss-roll-2-1"
    data = task.sample()
    assert data.x.shape == (2000, 2) and data.y.shape == (2000, 1)
    base_x, base_y = shapes.sample_swiss_roll(np.random.default_rng(5), 2000)
    np.testing.assert_array_equal(data.x, base_x)
    # The radius alone recovers u = Phi(x): t = 21 |X| = 1.5 pi (1 + 2u).
    u = (21 * np.linalg.norm(data.x, axis=1) / (1.5 * math.pi) - 1) / 2
    g = np.random.default_rng(5)
    x0, y0 = shapes.sample_sparse_gaussian(g, 2000, 1, 0.8)
    np.testing.assert_allclose(u, ndtr(x0[:, 0]), atol=1e-10)
    np.testing.assert_allclose(data.y, ndtr(y0))


def test_ksg_roughly_agrees_on_low_dimensional_shape_tasks():
    for name in ["additive-noise-eps0.75-1-1", "swiss-roll-2-1", "wiggly-sparse-gaussian-r0.75-1-1"]:
        source = TASKS[name]()
        source.n_samples = 3000
        data = source.sample()
        assert ksg_mi(data.x, data.y) == pytest.approx(data.true_mi, abs=0.1), name


@pytest.mark.parametrize("fragment", ["student-t", "additive-noise", "bimodal", "half-cube",
                                      "asinh", "normal-cdf", "spiral", "swiss-roll",
                                      "sparse-gaussian", "dense-gaussian", "wiggly"])
def test_named_tasks_are_reachable_with_exact_truth(fragment):
    names = [n for n in TASKS if n.startswith(fragment)]
    assert names, fragment
    for name in names:
        mi = TASKS[name]().mutual_information()
        assert isinstance(mi, float) and mi > 0


# --------------------------------------------------------------------------- digits


def test_digits_views_pair_different_images_of_one_class():
    source = DigitsViews()
    assert source.n_samples == 1797
    data = source.sample()
    assert data.true_mi is None and data.x.shape[0] == 1797
    labels, partners = data.meta["labels"], data.meta["partner_labels"]
    np.testing.assert_array_equal(labels, partners)
    assert data.x.shape[1] == data.meta["x_pixels"].size
    _, counts = np.unique(labels, return_counts=True)
    p = counts / counts.sum()
    entropy = -(p * np.log(p)).sum()
    assert entropy <= data.mi_upper_bound <= entropy + 0.01
    assert data.mi_upper_bound <= math.log(10) + 0.01


def test_digits_partner_is_never_the_same_image():
    source = DigitsViews(n_samples=4000, seed=2)
    rng = np.random.default_rng(source.seed)
    _, labels = load_digit_images()
    ix, iy = source._pairs(rng, labels)
    assert np.all(ix != iy) and np.all(labels[ix] == labels[iy])


def test_digits_noise_keeps_all_pixels():
    data = DigitsViews(n_samples=300, noise=0.2, seed=1).sample()
    assert data.x.shape == (300, 64) and data.y.shape == (300, 64)


# --------------------------------------------------------------------------- every source


@pytest.mark.parametrize("name", list(TASKS))
def test_tasks_are_reproducible_and_well_shaped(name):
    source = TASKS[name]()
    assert isinstance(source, DataSource) and source.task_id() == name
    source.n_samples = 64
    first, again = source.sample(), source.sample()
    assert isinstance(first, Dataset) and first.name == name
    assert first.x.ndim == 2 and first.y.ndim == 2
    assert first.x.shape[0] == first.y.shape[0] == 64
    np.testing.assert_array_equal(first.x, again.x)
    np.testing.assert_array_equal(first.y, again.y)
    source.seed = 1
    assert not np.array_equal(source.sample().x, first.x)
    assert first.true_mi == source.mutual_information()


def test_make_source_by_id_and_by_task():
    assert set(SOURCES) == {"gaussian", "latent", "shapes", "digits"}
    gauss = make_source("gaussian", dim=2, mi=1.0)
    assert isinstance(gauss, CorrelatedGaussian) and gauss.dim == 2
    task = make_source("student-t-dof3-2-2", n_samples=128)
    assert task.n_samples == 128 and task.task_id() == "student-t-dof3-2-2"


def test_make_source_errors_list_valid_choices():
    with pytest.raises(ValueError, match=r"Unknown data source 'nope'\. Valid sources: gaussian, latent, shapes, digits"):
        make_source("nope")
    with pytest.raises(ValueError, match=r"no setting\(s\) colour; valid settings are .*dim"):
        make_source("gaussian", colour=1)


def test_parameters_are_bounded_for_sliders():
    for cls in SOURCES.values():
        for pname, p in cls.param.objects().items():
            if pname == "name" or not hasattr(p, "bounds"):
                continue
            assert p.bounds is not None and None not in p.bounds, (cls.__name__, pname)
            assert p.doc, (cls.__name__, pname)


def test_shape_task_lists_the_settings_that_matter():
    assert "nu" in ShapeTask(base="student-t").active_parameters()
    assert "nu" not in ShapeTask(base="additive-noise").active_parameters()
    for base in shapes.BASES:
        task = ShapeTask(base=base)
        assert set(task.active_parameters()) <= set(task.param)
