"""Published figures the report's numbers are read against: what others measured, with the source, kept apart from
flowad's own measurements and with what is and is not comparable. Nothing here is computed by flowad."""

ANCHORS = """\
*Published figures, quoted from their sources, not measured here.*

| system | published figure | source |
|---|---|---|
| CMS CICADA (calorimeter anomaly trigger, Level-1 calo layer) | input 18 × 14 = 252 regions, 10-bit ET; student trained on `quantize(32 · log(MSE))` of a convolutional autoencoder teacher; "sub-200 ns" inference on FPGA (the project README says "sub-500 ns"); Phase-1 calo trigger hardware on Xilinx Virtex-7 690 FPGAs (CTP7) | github.com/Princeton-AD/cicada (`cicada-training.py`, `models.py`); NeurIPS 2025 ML4PS workshop paper (neurips.cc/virtual/2025/123048); IEEE NSS 2023, doi:10.1109/NSSMICRTSD49126.2023.10338024 |
| CMS AXOL1TL (Global Trigger anomaly trigger, VAE) | 57 inputs (MET, 4 e/γ, 4 μ, 10 jets × pT, η, φ), score = loss × 16; decides within the Global Trigger's 50 ns budget; a small share of a Virtex-7's resources; in the L1 menu since 2024, bandwidth mainly to scouting | arXiv:2411.19506; cms-sw/cmssw `L1Trigger/L1TGlobal/src/AXOL1TLCondition.cc`; indico.cern.ch/event/1387540/contributions/6153423 |
| Autoencoders on FPGAs at 40 MHz (Govorkova et al.) | "as little as 80 ns using less than 3 % of the logic resources" of a Virtex UltraScale+ VU9P | arXiv:2108.03986 (Nature Machine Intelligence 2022) |
| HGQ (Sun et al.) | "resource reduction by up to a factor of 20 and latency improvement by a factor of 5", against AutoQKeras (mixed precision), not uniform QKeras | arXiv:2405.00645; pypi.org/project/HGQ |
| Logic-gate networks | difflogic: "beyond a million images of MNIST per second on a single CPU core"; a convolutional LGN on CICADA open data: physics "on par with or superior to" quantized networks with zero DSPs | arXiv:2210.08277 (NeurIPS 2022); arXiv:2511.01908 |
| ADC2021 (anomaly detection data challenge) | 19 objects (MET, 4 e, 4 μ, 10 jets × pT, η, φ), events with ≥ 1 lepton; signals LQ (80 GeV) → bτ, A (50 GeV) → 4ℓ, h⁰ (60 GeV) → ττ, h± (60 GeV) → τν; metric: TPR at FPR 10⁻⁵ | arXiv:2107.02157 (Scientific Data 2022); mpp-hep/ADC2021 |

**What is comparable and what is not.**

- *Data.* Ours is Pythia8 generated here with premixed pile-up at ⟨μ⟩ = 60 and an emulated Level-1 menu; CICADA and
  AXOL1TL report on real CMS collisions against the real menu, and ADC2021 is Delphes simulation with a lepton filter.
  Our signals (exotic Higgs decays to light pseudoscalars, a dark shower, light scalars) echo ADC2021's
  A → 4ℓ and h⁰ → ττ but are not its samples: absolute efficiencies do not transfer, orderings may.
- *Rates.* Our 3 kHz cut leaves ~10 test ZeroBias crossings above it (100k per split), so rate-based numbers carry
  wide intervals; ADC2021's FPR 10⁻⁵ (≈ 0.4 kHz at 40 MHz, our arithmetic) would leave one. Our *pure efficiency*
  follows CICADA's and AXOL1TL's practice of counting only what the rest of the menu does not already keep; neither
  published an exact definition we could match, and our menu is an emulation.
- *Firmware.* Our LUTs are yosys `synth_xilinx` counts for the Virtex-7 part without place and route, and our
  latency is the design's pipeline depth at 6.25 ns; published figures come from Vivado/Vitis, often after
  implementation. HGQ's factor of 20 is against AutoQKeras on other benchmarks; our QKeras-style baseline is uniform
  precision, so the two savings measure different things.
"""
