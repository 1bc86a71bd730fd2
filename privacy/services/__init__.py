"""Privacy services (writes): exports, deletion requests, legal holds and the deletion pipeline."""
