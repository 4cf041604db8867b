"""Stage 5, around the hits: suggestions as one types, "did you mean", related posts and search
analytics. Imports any earlier stage; nothing imports it but the web app."""
