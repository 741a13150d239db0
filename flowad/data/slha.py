"""A minimal SLHA1 spectrum for stop-pair production with stop → t χ̃⁰₁ (100 %).

The pythia8mc wheel ships no SLHA files, so the project writes the one it needs: the light stop
and the lightest neutralino at the requested masses, every other sparticle and the heavy Higgs
bosons decoupled at 5 TeV, trivial mixings.
"""

from __future__ import annotations

DECOUPLED_GEV = 5000.0

_SPARTICLES = (
    1000001, 1000002, 1000003, 1000004, 1000005, 1000011, 1000012, 1000013, 1000014, 1000015,
    1000016, 1000021, 1000023, 1000024, 1000025, 1000035, 1000037, 2000001, 2000002, 2000003,
    2000004, 2000005, 2000006, 2000011, 2000013, 2000015,
)


def stop_spectrum(stop_mass_gev: float, neutralino_mass_gev: float, stop_width_gev: float = 1.0) -> str:
    """SLHA1 text: ``m(t̃₁) = stop_mass_gev``, ``m(χ̃⁰₁) = neutralino_mass_gev``, BR(t̃₁ → t χ̃⁰₁) = 1."""
    masses = {25: 125.0, 35: DECOUPLED_GEV, 36: DECOUPLED_GEV, 37: DECOUPLED_GEV}
    masses.update({pid: DECOUPLED_GEV for pid in _SPARTICLES})
    masses[1000006] = stop_mass_gev
    masses[1000022] = neutralino_mass_gev
    lines = [
        "# flowad: minimal SLHA1 spectrum for stop pairs, stop -> top neutralino",
        "BLOCK MODSEL", "    1    0   # general MSSM",
        "BLOCK SMINPUTS",
        "    1  1.27934000e+02   # alpha_em^-1(MZ) MSbar",
        "    2  1.16637000e-05   # G_F",
        "    3  1.18000000e-01   # alpha_s(MZ) MSbar",
        "    4  9.11876000e+01   # MZ pole",
        "    5  4.18000000e+00   # mb(mb) MSbar",
        "    6  1.72500000e+02   # mt pole",
        "    7  1.77686000e+00   # mtau pole",
        "BLOCK MINPAR", "    3  1.00000000e+01   # tan(beta)",
        "BLOCK MASS",
    ]
    lines += [f"  {pid:>8d}  {mass:.8e}" for pid, mass in sorted(masses.items())]
    lines += _identity("NMIX", 4) + _identity("UMIX", 2) + _identity("VMIX", 2)
    lines += _identity("STOPMIX", 2) + _identity("SBOTMIX", 2) + _identity("STAUMIX", 2)
    lines += [
        "BLOCK ALPHA", "  -1.00000000e-01   # Higgs mixing angle",
        "BLOCK HMIX Q= 1.00000000e+03",
        f"    1  {DECOUPLED_GEV:.8e}   # mu", "    2  1.00000000e+01   # tan(beta)",
        f"DECAY   1000006  {stop_width_gev:.8e}   # stop1",
        "     1.00000000e+00   2   1000022   6   # BR(stop1 -> chi10 t)",
        "DECAY   1000022  0.00000000e+00   # chi10 stable",
    ]
    return "\n".join(lines) + "\n"


def _identity(block: str, size: int) -> list[str]:
    rows = [f"BLOCK {block}"]
    rows += [f"  {i} {j}  {1.0 if i == j else 0.0:.8e}" for i in range(1, size + 1) for j in range(1, size + 1)]
    return rows
