"""The platform's protocol, pure (L1).

The XML codec, the message shapes, the function catalogue and the reply rows.
"""
