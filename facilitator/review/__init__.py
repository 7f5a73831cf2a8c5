"""The review of commitments: the next exchange of a series opens with the plans made at the one before."""
