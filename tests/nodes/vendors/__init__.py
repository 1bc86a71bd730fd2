"""One test module per vendor: each replays the requests its ComfyUI nodes send, through /proxy."""
