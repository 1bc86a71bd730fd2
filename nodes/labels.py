"""Human names for what the vendor tables call by internal keys: models, price rows, units and routes.

The vendor modules (`nodes/vendors/*.py`) name things the way the vendors' APIs do ("flux-2-max",
"image/kling-v1/i2i", "5 s of video"); users read these names instead, on Pricing, Usage, the Credits
history and the CSV export. Explicit names for the models whose brand spelling no rule can guess; a small
set of rules for everything else, so a model added to a vendor table gets a readable name at once.
"""

from __future__ import annotations

import re

from nodes.vendors import VENDORS

MODEL_NAMES = {
    "flux-pro-1.1-ultra": "FLUX1.1 [pro] Ultra",
    "flux-pro-1.1": "FLUX1.1 [pro]",
    "flux-kontext-pro": "FLUX.1 Kontext [pro]",
    "flux-kontext-max": "FLUX.1 Kontext [max]",
    "flux-pro-1.0-expand": "FLUX.1 Expand [pro]",
    "flux-pro-1.0-fill": "FLUX.1 Fill [pro]",
    "flux-pro-1.0-canny": "FLUX.1 Canny [pro]",
    "flux-pro-1.0-depth": "FLUX.1 Depth [pro]",
    "flux-2-pro": "FLUX.2 [pro]",
    "flux-2-max": "FLUX.2 [max]",
    "flux-tools": "FLUX Tools",
    "erase-v1": "Erase",
    "vto-v1": "Virtual try-on",
    "dall-e-2": "DALL·E 2",
    "dall-e-3": "DALL·E 3",
    "gpt-image": "GPT Image",
    "sd3": "Stable Diffusion 3",
    "sd3-large": "SD3 Large",
    "sd3-large-turbo": "SD3 Large Turbo",
    "sd3-medium": "SD3 Medium",
    "sd3.5-large": "SD 3.5 Large",
    "sd3.5-large-turbo": "SD 3.5 Large Turbo",
    "sd3.5-medium": "SD 3.5 Medium",
    "ultra": "Stable Image Ultra",
    "kolors-virtual-try-on": "Kolors virtual try-on",
    "MiniMax-Hailuo-02": "Hailuo 02",
    "recraft": "Recraft",
    "2.2": "Pika 2.2",
}
# Each vendor table may name its own models too (`Vendor.model_names`).
for _vendor in VENDORS.values():
    MODEL_NAMES.update(_vendor.model_names)

# Words inside price keys, after the first segment (which names a model or a family, never an option).
OPTION_WORDS = {
    "std": "Standard",
    "pro": "Pro",
    "silent": "no audio",
    "audio": "with audio",
    "voice": "with voice",
    "i2i": "image to image",
    "first-megapixel": "first megapixel",
    "megapixel": "each further megapixel",
    "input_token": "input tokens",
    "output_token": "output tokens",
    "input_allowance": "input allowance",
    "input_1k_tokens": "input",
    "PBR": "PBR textures",
    "face-count": "another face count",
    "multiview": "extra views",
    "output_1k_tokens": "output",
    "input_image": "each input image",
    "image-reference": "reference image",
    "image_edit": "image edit",
    "video_edit": "video edit",
    "hd": "HD",
    "4k": "4K",
    "low": "low quality",
    "medium": "medium quality",
    "high": "high quality",
}
# Segments that only repeat what the unit column or the vendor heading already says.
SILENT_SEGMENTS = frozenset({"image", "video", "second", "call", "legacy", "v2", "generate", "sd3"})
_UPPER_WORDS = frozenset({"hd", "api", "t2v", "i2v", "s2v", "ai", "gpt"})
_SMALL_WORDS = frozenset({"to", "and", "of", "with"})
_DURATION = re.compile(r"^(\d+)\s*s\b(.*)$")
_VERSION = re.compile(r"^([a-z]+)v(\d+)$", re.IGNORECASE)  # "recraftv4" → ("recraft", "4")


def _word(word: str) -> str:
    if word.startswith("~"):
        return word[1:]  # the later words of a camelCase name stay lower case
    if word.lower() in _UPPER_WORDS:
        return word.upper()
    if re.fullmatch(r"\d+[pP]", word):
        return word.lower()  # 1080P → 1080p
    if re.fullmatch(r"v\d+(\.\d+)*", word):
        return word  # kling-v2-1 → "v2.1"
    if word.lower() in _SMALL_WORDS:
        return word.lower()
    if re.fullmatch(r"\d+x\d+", word):
        return word.replace("x", "\u00d7")  # 1024x1024 → 1024 (multiplication sign) 1024
    if word.isupper() and len(word) > 3:
        return word.capitalize()  # TURBO → Turbo
    return word[:1].upper() + word[1:]


def _pretty(name: str) -> str:
    """'kling-v2-1-master' → 'Kling v2.1 Master'; 'recraftv4_1_pro' → 'Recraft V4.1 Pro'; 'V_2A' → 'V2A'."""
    words: list[str] = []
    # camelCase → words: "replaceBackground" → "replace background" (capitalised below if first).
    spaced = re.sub(r"(?<=[a-z])([A-Z])(?=[a-z])", lambda m: " ~" + m.group(1).lower(), name)
    spaced = spaced.removesuffix("-generate-001")
    for raw in re.split(r"[-_\s]+", spaced):
        if not raw:
            continue
        versioned = _VERSION.fullmatch(raw)
        if versioned and versioned.group(1).lower() not in {"v"}:
            words.extend([versioned.group(1), f"V{versioned.group(2)}"])
        elif words and re.fullmatch(r"\d+", raw) and re.fullmatch(r"[vV]?\d+(\.\d+)?", words[-1]):
            words[-1] = f"{words[-1]}.{raw}"  # v2-1 → v2.1, ray-1-6 → 1.6
        elif words and words[-1] == "V" and raw[:1].isdigit():
            words[-1] = f"V{raw}"
        else:
            words.append(raw)
    return " ".join(_word(w) for w in words)


def model_label(model: str) -> str:
    """A model id as users know it ('flux-2-max' → 'FLUX.2 [max]'); '' stays ''."""
    if not model:
        return ""
    if model in MODEL_NAMES:
        return MODEL_NAMES[model]
    family, _, rest = model.partition("/")
    if rest and family in {"recraft", "flux-tools"}:
        return " ".join(filter(None, (MODEL_NAMES.get(family, ""), model_label(rest))))
    return _pretty(model)


def duration_label(text: str) -> str:
    """'5s' → '5 s', '5 s of video' stays: one unit style for durations."""
    match = _DURATION.match(text.strip())
    return f"{match.group(1)} s{match.group(2)}" if match else text


def _said_by_unit(segment: str, unit: str) -> bool:
    """A key's last segment that only names its unit ('eleven_v3/character' per character)."""

    def plain(text: str) -> str:
        return re.sub(r"[-_\s]+", " ", text.strip().lower()).removesuffix("s")

    return bool(unit) and plain(segment) == plain(unit)


def price_key_label(key: str, unit: str = "") -> str:
    """A price row's key in words: 'flux-2-max/first-megapixel' → 'FLUX.2 [max] · first megapixel'; a last
    segment that only repeats the unit column ('…/character' per character) is left to that column."""
    parts: list[str] = []
    segments = key.split("/")
    if len(segments) > 1 and _said_by_unit(segments[-1], unit):
        segments = segments[:-1]
    for index, segment in enumerate(segments):
        if index and segment == "video" and segments[index - 1] in {"std", "pro"}:
            parts.append("with video input")
        elif segment in SILENT_SEGMENTS and len(segments) > 1:
            continue
        elif index and segment in OPTION_WORDS:
            parts.append(OPTION_WORDS[segment])
        elif _DURATION.match(segment):
            parts.append(duration_label(segment))
        elif parts and parts[-1].lower().endswith(model_label(segment).lower()):
            continue  # "Recraft V4.1 Vector · Vector" says it once
        else:
            parts.append(model_label(segment))
    text = " · ".join(p for p in parts if p) or model_label(key)
    return text[:1].upper() + text[1:]


# Units as the price tables write them → what one unit is, in the site's one style ("per 5 s of video").
# Token prices are tiny: they are shown per million tokens, so the figure is readable.
UNIT_SCALE = {"token": (1_000_000, "1M tokens"), "API unit": (1_000, "1,000 API units")}


def unit_label(unit: str) -> str:
    """'5s' → 'per 5 s'; 'token' → 'per 1M tokens' (see UNIT_SCALE)."""
    if unit in UNIT_SCALE:
        return f"per {UNIT_SCALE[unit][1]}"
    return f"per {duration_label(unit)}"


def unit_scale(unit: str) -> int:
    return UNIT_SCALE[unit][0] if unit in UNIT_SCALE else 1


def vendor_title(vendor: str) -> str:
    return VENDORS[vendor].title if vendor in VENDORS else vendor


def route_label(route: str) -> str:
    """'POST generations/image' → 'Generations image': the route's fixed words, placeholders dropped."""
    path = route.split(" ", 1)[-1]
    words = [w for w in re.split(r"[/_]+", re.sub(r"\{[^}]*\}", "", path)) if w and w not in {"v1", "v2beta"}]
    text = " ".join(w.replace("-", " ") for w in words)
    return text[:1].upper() + text[1:]


def usage_label(*, vendor: str, model: str, route: str) -> str:
    """What a call was, in words: 'Black Forest Labs · FLUX.2 [max]'."""
    what = model_label(model) or route_label(route)
    return " · ".join(p for p in (vendor_title(vendor), what) if p)
