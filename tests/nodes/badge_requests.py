# ruff: noqa: ARG005 - every builder takes (widgets, inputs); most use only one of them
"""What each ComfyUI 0.30.0 API node sends for given widget values, and the one table of known differences.

Facts read from ComfyUI 0.30.0's `comfy_api_nodes/nodes_*.py` (socrasteeze/ComfyUI at 2f40b7131): the path
each node calls and the body fields that carry priced values, with the node's own mapping from widgets to
fields (e.g. Kling's "4k" resolution → `mode: "4k"`). Fields that do not change the price (uploaded image
URLs, seeds) are sent with placeholder values. Used by tests/nodes/test_price_badges.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# ComfyUI module (nodes_<name>.py) → platform vendor. Modules not listed are vendors not served yet.
SERVED_MODULES = {
    "bfl": "bfl",
    "kling": "kling",
    "luma": "luma",
    "minimax": "minimax",
    "pixverse": "pixverse",
    "recraft": "recraft",
    "veo2": "veo",
    "ideogram": "ideogram",
    "openai": "openai",
    "sora": "openai",
}

URL = "https://example.com/upload.png"
B64 = "aGVsbG8="


class NodeRefuses(Exception):  # noqa: N818 - the node's own ValueError for these widget values
    """The node raises before sending anything for these widget values (not a platform concern)."""


@dataclass(frozen=True)
class Req:
    path: str
    body: dict[str, Any]
    files: tuple[str, ...] = ()
    method: str = "POST"


@dataclass(frozen=True)
class Node:
    build: Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]
    # A badge with a "/second" suffix is a rate: compared over the longest source the node accepts.
    seconds: int = 1
    extra_widgets: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)


def one(req: Req) -> list[Req]:
    return [req]


# --- BFL (nodes_bfl.py) -------------------------------------------------------------------------------------
def _flux2(model: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        body: dict[str, Any] = {"prompt": "p", "width": w["width"], "height": w["height"], "seed": 0}
        if inputs.get("images"):
            body["input_image"] = B64
        return one(Req(f"/proxy/bfl/{model}/generate", body))

    return build


def _flux2_combo(w: Mapping[str, Any], groups: Mapping[str, Any]) -> list[Req]:
    model = "flux-2-max" if w["model"] == "Flux.2 [max]" else "flux-2-pro"
    body: dict[str, Any] = {"prompt": "p", "width": w["model.width"], "height": w["model.height"], "seed": 0}
    for index in range(groups.get("model.images", 0)):
        body["input_image" if index == 0 else f"input_image_{index + 1}"] = B64
    return one(Req(f"/proxy/bfl/{model}/generate", body))


BFL: dict[str, Node] = {
    "FluxProUltraImageNode": Node(
        lambda w, i: one(
            Req("/proxy/bfl/flux-pro-1.1-ultra/generate", {"prompt": "p", "aspect_ratio": "16:9"})
        )
    ),
    "FluxProExpandNode": Node(
        lambda w, i: one(
            Req("/proxy/bfl/flux-pro-1.0-expand/generate", {"prompt": "p", "image": B64, "top": 0})
        )
    ),
    "FluxProFillNode": Node(
        lambda w, i: one(
            Req("/proxy/bfl/flux-pro-1.0-fill/generate", {"prompt": "p", "image": B64, "mask": B64})
        )
    ),
    "FluxEraseNode": Node(
        lambda w, i: one(Req("/proxy/bfl/v1/flux-tools/erase-v1", {"image": B64, "mask": B64, "seed": 0}))
    ),
    "FluxVTONode": Node(
        lambda w, i: one(
            Req("/proxy/bfl/v1/flux-tools/vto-v1", {"prompt": "p", "person": B64, "garment": B64, "seed": 0})
        )
    ),
    "Flux2ProImageNode": Node(_flux2("flux-2-pro")),
    "Flux2MaxImageNode": Node(_flux2("flux-2-max")),
    "Flux2ImageNode": Node(_flux2_combo),
}


# --- Kling (nodes_kling.py) ---------------------------------------------------------------------------------
def _kling_mode(resolution: str) -> str:
    return {"4k": "4k", "1080p": "pro"}.get(resolution, "std")


def _mode_combo(path: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]:
    """MODE_TEXT2VIDEO / MODE_START_END_FRAME: "pro mode / 5s duration / kling-v2-5-turbo"."""

    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        mode, duration, model = w["mode"].split(" / ")
        body = {
            "prompt": "p",
            "model_name": model,
            "mode": mode.split()[0],
            "duration": duration.removesuffix("s duration"),
            "aspect_ratio": "16:9",
        }
        if path.endswith("image2video"):
            body |= {"image": URL, "image_tail": URL}
        return one(Req(path, body))

    return build


def _omni(kind: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        model = w["model_name"]
        if model == "kling-video-o1" and (
            w["duration"] not in (5, 10) or w["generate_audio"] or w["resolution"] == "4k"
        ):
            raise NodeRefuses(model)
        body: dict[str, Any] = {
            "model_name": model,
            "prompt": "p",
            "aspect_ratio": "16:9",
            "duration": str(w["duration"]),
            "mode": _kling_mode(w["resolution"]),
            "sound": "on" if w["generate_audio"] else "off",
        }
        if kind == "image":
            body["image_list"] = [{"image_url": URL}]
        if kind == "frames":
            body["image_list"] = [
                {"image_url": URL, "type": "first_frame"},
                {"image_url": URL, "type": "end_frame"},
            ]
        return one(Req("/proxy/kling/v1/videos/omni-video", body))

    return build


def _omni_video(edit: bool) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        body: dict[str, Any] = {
            "model_name": w["model_name"],
            "prompt": "p",
            "video_list": [
                {"video_url": URL, "refer_type": "base" if edit else "feature", "keep_original_sound": "no"}
            ],
            "mode": "pro" if w["resolution"] == "1080p" else "std",
        }
        if not edit:
            body |= {"aspect_ratio": "16:9", "duration": str(w["duration"])}
        return one(Req("/proxy/kling/v1/videos/omni-video", body))

    return build


def _omni_image(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    model, resolution, series = w["model_name"], w["resolution"], w["series_amount"]
    if model == "kling-image-o1" and resolution == "4K":
        raise NodeRefuses(model)
    body: dict[str, Any] = {"model_name": model, "prompt": "p", "resolution": resolution.lower()}
    if series != "disabled" and model != "kling-image-o1":
        body |= {"result_type": "series", "series_amount": int(series)}
    return one(Req("/proxy/kling/v1/images/omni-image", body))


def _with_audio(path: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        body = {
            "model_name": w["model_name"],
            "prompt": "p",
            "mode": w["mode"],
            "duration": str(w["duration"]),
            "sound": "on" if w["generate_audio"] else "off",
        }
        if path.endswith("image2video"):
            body["image"] = URL
        return one(Req(path, body))

    return build


def _kling_v3(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    shots = w["multi_shot"]
    if shots == "disabled":
        duration = w["multi_shot.duration"]
    else:
        count = int(shots.split()[0])
        duration = sum(w[f"multi_shot.storyboard_{i}_duration"] for i in range(1, count + 1))
        if not 3 <= duration <= 15:
            raise NodeRefuses(duration)
    resolution = w["model.resolution"]
    if w["model"] == "kling-3.0-turbo":
        settings = {"resolution": resolution, "duration": duration, "aspect_ratio": "16:9"}
        return one(Req("/proxy/kling/text-to-video/kling-3.0-turbo", {"prompt": "p", "settings": settings}))
    body: dict[str, Any] = {
        "model_name": w["model"],
        "mode": _kling_mode(resolution),
        "duration": str(duration),
        "sound": "on" if w["generate_audio"] else "off",
        "aspect_ratio": "16:9",
    }
    if shots == "disabled":
        body["prompt"] = "p"
    else:
        body |= {"multi_shot": True, "shot_type": "customize", "multi_prompt": [{"index": 1, "prompt": "p"}]}
    return one(Req("/proxy/kling/v1/videos/text2video", body))


def _kling_first_last(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "model_name": w["model"],
        "image": URL,
        "image_tail": URL,
        "prompt": "p",
        "mode": _kling_mode(w["model.resolution"]),
        "duration": str(w["duration"]),
        "sound": "on" if w["generate_audio"] else "off",
    }
    return one(Req("/proxy/kling/v1/videos/image2video", body))


KLING_I2V = "/proxy/kling/v1/videos/image2video"
KLING_T2V = "/proxy/kling/v1/videos/text2video"
KLING: dict[str, Node] = {
    "KlingTextToVideoNode": Node(_mode_combo(KLING_T2V)),
    "KlingImage2VideoNode": Node(
        lambda w, i: one(
            Req(
                KLING_I2V,
                {"model_name": w["model_name"], "image": URL, "mode": w["mode"], "duration": w["duration"]},
            )
        )
    ),
    "KlingStartEndFrameNode": Node(_mode_combo(KLING_I2V)),
    "KlingVideoExtendNode": Node(
        lambda w, i: one(Req("/proxy/kling/v1/videos/video-extend", {"video_id": "v1", "cfg_scale": 0.5}))
    ),
    "KlingLipSyncAudioToVideoNode": Node(
        lambda w, i: one(
            Req(
                "/proxy/kling/v1/videos/lip-sync",
                {"input": {"video_url": URL, "mode": "audio2video", "audio_type": "url", "audio_url": URL}},
            )
        )
    ),
    "KlingLipSyncTextToVideoNode": Node(
        lambda w, i: one(
            Req(
                "/proxy/kling/v1/videos/lip-sync",
                {"input": {"video_url": URL, "mode": "text2video", "text": "hi", "voice_id": "v"}},
            )
        )
    ),
    "KlingImageGenerationNode": Node(
        lambda w, i: one(
            Req(
                "/proxy/kling/v1/images/generations",
                {"model_name": w["model_name"], "prompt": "p", "n": w["n"], "aspect_ratio": "16:9"},
            )
        )
    ),
    "KlingOmniProTextToVideoNode": Node(_omni("text")),
    "KlingOmniProFirstLastFrameNode": Node(_omni("frames")),
    "KlingOmniProImageToVideoNode": Node(_omni("image")),
    "KlingOmniProVideoToVideoNode": Node(_omni_video(edit=False)),
    # The source video may run 3-10.05 s (validate_video_duration): the badge's rate over 10 s.
    "KlingOmniProEditVideoNode": Node(_omni_video(edit=True), seconds=10),
    "KlingOmniProImageNode": Node(_omni_image),
    "KlingTextToVideoWithAudio": Node(_with_audio(KLING_T2V)),
    "KlingImageToVideoWithAudio": Node(_with_audio(KLING_I2V)),
    # The reference video may run up to 30 s (character_orientation "video").
    "KlingMotionControl": Node(
        lambda w, i: one(
            Req(
                "/proxy/kling/v1/videos/motion-control",
                {
                    "prompt": "p",
                    "image_url": URL,
                    "video_url": URL,
                    "keep_original_sound": "no",
                    "character_orientation": "video",
                    "mode": w["mode"],
                    "model_name": w["model"],
                },
            )
        ),
        seconds=30,
    ),
    "KlingVideoNode": Node(_kling_v3),
    "KlingFirstLastFrameNode": Node(_kling_first_last),
    # The sound file may run up to 300 s (validate_audio_duration(max_duration=300)).
    "KlingAvatarNode": Node(
        lambda w, i: one(
            Req(
                "/proxy/kling/v1/videos/avatar/image2video",
                {"image": URL, "sound_file": URL, "mode": w["mode"]},
            )
        ),
        seconds=300,
    ),
}


# --- Luma (nodes_luma.py) -----------------------------------------------------------------------------------
def _luma_video(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    body = {
        "prompt": "p",
        "model": w["model"],
        "resolution": w["resolution"],
        "aspect_ratio": "16:9",
        "duration": w["duration"],
        "loop": False,
    }
    return one(Req("/proxy/luma/generations", body))


def _uni(kind: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]:
    def build(w: Mapping[str, Any], groups: Mapping[str, Any]) -> list[Req]:
        body: dict[str, Any] = {"prompt": "p", "model": w["model"], "type": kind}
        refs = groups.get("model.image_ref", 0)
        if refs:
            body["image_ref"] = [{"url": URL}] * refs
        if kind == "image_edit":
            body["source"] = {"url": URL}
        return one(Req("/proxy/luma_2/generations", body))

    return build


def _ray32(kind: str, **video: Any) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        options = {"resolution": w["resolution"], **video}
        if "duration" in w:
            options["duration"] = w["duration"]
        body: dict[str, Any] = {"prompt": "p", "model": "ray-3.2", "type": kind, "video": options}
        if kind != "video":
            body["source"] = {"url": URL, "media_type": "video/mp4"}
        return one(Req("/proxy/luma_2/generations", body))

    return build


LUMA: dict[str, Node] = {
    "LumaImageNode": Node(
        lambda w, i: one(Req("/proxy/luma/generations/image", {"prompt": "p", "model": w["model"]}))
    ),
    "LumaImageModifyNode": Node(
        lambda w, i: one(
            Req(
                "/proxy/luma/generations/image",
                {"prompt": "p", "model": w["model"], "modify_image_ref": {"url": URL, "weight": 0.5}},
            )
        )
    ),
    "LumaVideoNode": Node(_luma_video),
    "LumaImageToVideoNode": Node(_luma_video),
    "LumaImageNode2": Node(_uni("image")),
    "LumaImageEditNode2": Node(_uni("image_edit")),
    "LumaRay32TextToVideoNode": Node(_ray32("video")),
    "LumaRay32ImageToVideoNode": Node(_ray32("video", duration="5s")),
    "LumaRay32KeyframesToVideoNode": Node(_ray32("video")),
    # The source may run up to 18 s (upload_video_to_comfyapi(max_duration=18)); the node sends "10s" for
    # the longest output, which is the top of the badge's range.
    "LumaRay32VideoEditNode": Node(_ray32("video_edit", duration="10s")),
    "LumaRay32VideoReframeNode": Node(_ray32("video_reframe"), seconds=30),
    "LumaRay32ExtendVideoNode": Node(_ray32("video", duration="5s")),
}


# --- MiniMax (nodes_minimax.py) -----------------------------------------------------------------------------
def _hailuo_02_refuses(w: Mapping[str, Any]) -> list[Req]:
    if w["resolution"] == "1080P" and w["duration"] != 6:
        raise NodeRefuses("1080P is 6 s only")
    return []


MINIMAX: dict[str, Node] = {
    "MinimaxTextToVideoNode": Node(
        lambda w, i: one(Req("/proxy/minimax/video_generation", {"model": w["model"], "prompt": "p"}))
    ),
    "MinimaxImageToVideoNode": Node(
        lambda w, i: one(
            Req(
                "/proxy/minimax/video_generation",
                {"model": w["model"], "prompt": "p", "first_frame_image": URL},
            )
        )
    ),
    "MinimaxHailuoVideoNode": Node(
        lambda w, i: (
            _hailuo_02_refuses(w)
            or one(
                Req(
                    "/proxy/minimax/video_generation",
                    {
                        "model": "MiniMax-Hailuo-02",
                        "prompt": "p",
                        "duration": w["duration"],
                        "resolution": w["resolution"],
                        "prompt_optimizer": True,
                    },
                )
            )
        )
    ),
}


# --- PixVerse (nodes_pixverse.py) ---------------------------------------------------------------------------
def _pixverse(kind: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        quality, duration, motion = w["quality"], w["duration_seconds"], w["motion_mode"]
        if quality == "1080p":  # the node: 1080p is 5 s and normal motion only
            duration, motion = 5, "normal"
        elif duration != 5:
            motion = "normal"
        body: dict[str, Any] = {
            "prompt": "p",
            "quality": quality,
            "duration": duration,
            "motion_mode": motion,
            "seed": 0,
        }
        if kind == "text":
            body["aspect_ratio"] = "16:9"
        if kind == "img":
            body["img_id"] = 1
        if kind == "transition":
            body |= {"first_frame_img": 1, "last_frame_img": 2}
        return one(Req(f"/proxy/pixverse/video/{kind}/generate", body))

    return build


PIXVERSE: dict[str, Node] = {
    "PixverseTextToVideoNode": Node(_pixverse("text")),
    "PixverseImageToVideoNode": Node(_pixverse("img")),
    "PixverseTransitionVideoNode": Node(_pixverse("transition")),
}


# --- Recraft (nodes_recraft.py) -----------------------------------------------------------------------------
def _recraft_op(op: str, *, n: bool = True, mask: bool = False, prompt: bool = True) -> Node:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        fields: dict[str, Any] = {}
        if prompt:
            fields |= {"prompt": "p", "model": "recraftv3", "style": "realistic_image"}
        if n:
            fields["n"] = w.get("n", 1)
        files = ("image", "mask") if mask else ("image",)
        return one(Req(f"/proxy/recraft/images/{op}", fields, files))

    return Node(build)


RECRAFT_GENERATE = "/proxy/recraft/image_generation"
RECRAFT: dict[str, Node] = {
    "RecraftTextToImageNode": Node(
        lambda w, i: one(
            Req(RECRAFT_GENERATE, {"prompt": "p", "model": "recraftv3", "size": "1024x1024", "n": w["n"]})
        )
    ),
    "RecraftImageToImageNode": _recraft_op("imageToImage"),
    "RecraftImageInpaintingNode": _recraft_op("inpaint", mask=True),
    "RecraftTextToVectorNode": Node(
        lambda w, i: one(
            Req(
                RECRAFT_GENERATE,
                {
                    "prompt": "p",
                    "model": "recraftv3",
                    "size": "1024x1024",
                    "n": w["n"],
                    "style": "vector_illustration",
                },
            )
        )
    ),
    "RecraftVectorizeImageNode": _recraft_op("vectorize", n=False, prompt=False),
    "RecraftRemoveBackgroundNode": _recraft_op("removeBackground", n=False, prompt=False),
    "RecraftReplaceBackgroundNode": _recraft_op("replaceBackground"),
    "RecraftCrispUpscaleNode": _recraft_op("crispUpscale", n=False, prompt=False),
    "RecraftCreativeUpscaleNode": _recraft_op("creativeUpscale", n=False, prompt=False),
    "RecraftCreateStyleNode": Node(
        lambda w, i: one(Req("/proxy/recraft/styles", {"style": "digital_illustration"}, ("file1",)))
    ),
    "RecraftV4TextToImageNode": Node(
        lambda w, i: one(
            Req(RECRAFT_GENERATE, {"prompt": "p", "model": w["model"], "size": w["model.size"], "n": w["n"]})
        )
    ),
    "RecraftV4TextToVectorNode": Node(
        lambda w, i: one(
            Req(
                RECRAFT_GENERATE,
                {
                    "prompt": "p",
                    "model": w["model"],
                    "size": w["model.size"],
                    "n": w["n"],
                    **({} if w["model"].endswith("_vector") else {"style": "vector_illustration"}),
                },
            )
        )
    ),
}


# --- Ideogram (nodes_ideogram.py) ---------------------------------------------------------------------------
IDEOGRAM: dict[str, Node] = {
    "IdeogramV3": Node(
        lambda w, i: one(
            Req(
                "/proxy/ideogram/ideogram-v3/generate",
                {
                    "prompt": "p",
                    "rendering_speed": w["rendering_speed"],
                    "num_images": w["num_images"],
                },
                ("character_reference_images",) if i.get("character_image") else (),
            )
        )
    ),
    "IdeogramV4": Node(
        lambda w, i: one(
            Req(
                "/proxy/ideogram/ideogram-v4/generate",
                {"text_prompt": "p", "rendering_speed": w["rendering_speed"]},
            )
        )
    ),
}


# --- OpenAI (nodes_openai.py) -------------------------------------------------------------------------------
def _gpt_image(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
    model = w["model"]
    quality = w.get("model.quality", w.get("quality"))
    size = w.get("model.size", w.get("size", "auto"))
    if size == "Custom":
        size = "1024x1024"
    if model != "gpt-image-2" and size not in ("auto", "1024x1024", "1024x1536", "1536x1024"):
        raise NodeRefuses(size)
    body = {"model": model, "prompt": "p", "quality": quality, "n": w["n"], "size": size, "moderation": "low"}
    return one(Req("/proxy/openai/images/generations", body))


OPENAI: dict[str, Node] = {
    "OpenAIDalle2": Node(
        lambda w, i: one(
            Req(
                "/proxy/openai/images/generations",
                {"model": "dall-e-2", "prompt": "p", "n": w["n"], "size": w["size"]},
            )
        )
    ),
    "OpenAIDalle3": Node(
        lambda w, i: one(
            Req(
                "/proxy/openai/images/generations",
                {"model": "dall-e-3", "prompt": "p", "quality": w["quality"], "size": w["size"], "n": 1},
            )
        )
    ),
    "OpenAIGPTImage1": Node(_gpt_image, extra_widgets={"size": ("auto", "1536x1024", "3840x2160")}),
    "OpenAIGPTImageNodeV2": Node(_gpt_image),
}


# --- Veo (nodes_veo2.py) ------------------------------------------------------------------------------------
VEO_MODELS = {
    "veo-2.0-generate-001": "veo-2.0-generate-001",
    "veo-3.1-generate": "veo-3.1-generate-001",
    "veo-3.1-fast-generate": "veo-3.1-fast-generate-001",
    "veo-3.1-lite": "veo-3.1-lite-generate-001",
    "veo-3.0-generate-001": "veo-3.0-generate-001",
    "veo-3.0-fast-generate-001": "veo-3.0-fast-generate-001",
}


def _veo3(duration_widget: str) -> Callable[[Mapping[str, Any], Mapping[str, Any]], list[Req]]:
    def build(w: Mapping[str, Any], inputs: Mapping[str, Any]) -> list[Req]:
        model, resolution = w["model"], w["resolution"]
        if resolution == "4k" and ("lite" in model or "3.0" in model):
            raise NodeRefuses(model)
        parameters: dict[str, Any] = {
            "aspectRatio": "16:9",
            "personGeneration": "ALLOW",
            "durationSeconds": w[duration_widget],
            "enhancePrompt": True,
            "generateAudio": w["generate_audio"],
        }
        if "3.1" in model:
            parameters["resolution"] = resolution
        body = {"instances": [{"prompt": "p"}], "parameters": parameters}
        return one(Req(f"/proxy/veo/{VEO_MODELS[model]}/generate", body))

    return build


VEO: dict[str, Node] = {
    "VeoVideoGenerationNode": Node(
        lambda w, i: one(
            Req(
                "/proxy/veo/veo-2.0-generate-001/generate",
                {
                    "instances": [{"prompt": "p"}],
                    "parameters": {"aspectRatio": "16:9", "durationSeconds": w["duration_seconds"]},
                },
            )
        )
    ),
    "Veo3VideoGenerationNode": Node(_veo3("duration_seconds")),
    "Veo3FirstLastFrameNode": Node(_veo3("duration")),
}


NODES: dict[str, Node] = {
    **BFL,
    **KLING,
    **LUMA,
    **MINIMAX,
    **PIXVERSE,
    **RECRAFT,
    **IDEOGRAM,
    **OPENAI,
    **VEO,
}
