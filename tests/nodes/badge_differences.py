"""The one table of differences between ComfyUI 0.30.0's price badges and the platform's list prices.

Each entry is a node whose badge maximum and the platform's hold (before markup) differ somewhere on the
grid of tests/nodes/test_price_badges.py, with the reason. An entry that starts agreeing fails the test, so
the table stays true. docs/pricing.md summarises it.
"""

from __future__ import annotations

COMFY_RATE = (
    "the badge is Comfy.org's own rate, 1.43 times the vendor's list price ({}); the platform seeds the "
    "vendor's list price and applies its own markup (PricingSettings)"
)
GPT_ALLOWANCE = (
    "the hold adds a $0.02 input-token allowance (+$0.03 per input image) to the badge's top image price, "
    "since OpenAI bills the prompt and input images as input tokens; the call settles on the `usage` tokens "
    "OpenAI reports, so the charge is the real cost"
)
PIXVERSE_REWRITE = (
    "the badge prices 8 s with fast motion, but the node sends normal motion for every length but 5 s "
    "(and 5 s normal for 1080p), so the request costs the normal-motion price the platform charges"
)

DIFFERENCES: dict[str, str] = {
    # The badge is an approximation; the platform holds a computed maximum and settles on the vendor's cost.
    "Flux2ProImageNode": (
        "with reference images the badge is a fixed approximate range (+$0.015 to +$0.12); the platform holds"
        " "
        "4 MP per reference (ComfyUI downscales each to at most 2048 x 2048) at BFL's $0.015 per MP, and the "
        "submit settles on the `cost` BFL reports"
    ),
    "Flux2MaxImageNode": (
        "with reference images the badge is a fixed approximate range (+$0.03 to +$0.24); the platform holds "
        "4 MP per reference at BFL's $0.03 per MP, and the submit settles on the `cost` BFL reports"
    ),
    "Flux2ImageNode": (
        "with reference images the badge is a fixed approximate range; the platform holds 4 MP per reference "
        "at BFL's per-MP price (Flux2ProImageNode / Flux2MaxImageNode) and settles on BFL's `cost`"
    ),
    "KlingLipSyncAudioToVideoNode": (
        "the badge is approximate ($0.10); Kling's list price is 0.5 units ($0.07) per 5 s and the source "
        "may run 10 s, so the hold is $0.14; the poll settles on the delivered length"
    ),
    "KlingLipSyncTextToVideoNode": (
        "the badge is approximate ($0.10); Kling's list price is 0.5 units ($0.07) per 5 s and the source "
        "may run 10 s, so the hold is $0.14; the poll settles on the delivered length"
    ),
    "OpenAIGPTImage1": GPT_ALLOWANCE,
    "OpenAIGPTImageNodeV2": GPT_ALLOWANCE,
    "PixverseTextToVideoNode": PIXVERSE_REWRITE,
    "PixverseImageToVideoNode": PIXVERSE_REWRITE,
    "PixverseTransitionVideoNode": PIXVERSE_REWRITE,
    # The badge carries Comfy.org's markup.
    "IdeogramV3": COMFY_RATE.format("Ideogram 3.0: $0.03 / $0.06 / $0.09, ideogram.ai/features/api-pricing")
    + "; the badge also rounds to the cent",
    "IdeogramV4": COMFY_RATE.format("third-party summaries of Ideogram's 2026 page: $0.03 / $0.06 / $0.10"),
    "LumaImageNode": COMFY_RATE.format("photon-1 $0.0073, photon-flash-1 $0.0019; nodes/vendors/luma.py"),
    "LumaImageModifyNode": COMFY_RATE.format(
        "photon-1 $0.0073, photon-flash-1 $0.0019; nodes/vendors/luma.py"
    ),
    "LumaVideoNode": COMFY_RATE.format("Ray 2 540p about $0.08/s, plans.apis.io 2026; nodes/vendors/luma.py"),
    "LumaImageToVideoNode": COMFY_RATE.format(
        "Ray 2 540p about $0.08/s, plans.apis.io 2026; nodes/vendors/luma.py"
    ),
}
