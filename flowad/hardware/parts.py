"""What an FPGA part holds: LUTs, flip-flops, DSP slices and 36 Kb block RAMs, from the vendor's data sheets.

Used where a fixed bound on a design's cost is needed (a search's hypervolume reference: no design can use more
than the part has). Parts are matched by their device name, the speed grade and package ignored
(``xc7vx690tffg1927-2`` → ``xc7vx690t``).
"""

from __future__ import annotations

PART_RESOURCES: dict[str, dict[str, int]] = {
    "xc7vx690t": {"lut": 433_200, "ff": 866_400, "dsp": 3_600, "bram": 1_470},  # Virtex-7 (CICADA's)
    "xc7z020": {"lut": 53_200, "ff": 106_400, "dsp": 220, "bram": 140},  # Zynq-7000 (pynq-z2)
    "xczu9eg": {"lut": 274_080, "ff": 548_160, "dsp": 2_520, "bram": 912},  # Zynq UltraScale+ (zcu102)
    "xcvu9p": {"lut": 1_182_240, "ff": 2_364_480, "dsp": 6_840, "bram": 2_160},  # Virtex UltraScale+
    "xcvu13p": {"lut": 1_728_000, "ff": 3_456_000, "dsp": 12_288, "bram": 2_688},  # Virtex UltraScale+ (Phase-2 L1)
    "xcu250": {"lut": 1_728_000, "ff": 3_456_000, "dsp": 12_288, "bram": 2_688},  # Alveo U250 (a VU13P)
}


def part_resources(part: str) -> dict[str, int] | None:
    """The resources of ``part`` (any package and speed grade), or None for a part not in the table."""
    name = part.lower()
    for device in sorted(PART_RESOURCES, key=len, reverse=True):
        if name.startswith(device):
            return PART_RESOURCES[device]
    return None
