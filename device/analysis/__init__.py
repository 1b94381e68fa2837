"""The analysis: frames in, events out.  Pure: no I/O, no clock, no globals.

Stages, each a small module with one job:

- :mod:`.glitch`    isolated HX711 read errors dropped (one frame of look-ahead)
- :mod:`.signals`   calibrated loads -> total, centre of pressure, asymmetry,
                    averaged and decimated to the rate the detectors need
- :mod:`.presence`  nobody / getting on / settling / ready / getting off, body mass
- :mod:`.reps`      excursions of the centre of pressure -> rep candidates with phases
- :mod:`.judge`     which exercise-shaped movement is a rep, which leg, which faults,
                    against the personal reference (:mod:`.reference`)
- :mod:`.sets`      reps grouped into sets
- :mod:`.coach`     cues
- :mod:`.pipeline`  the :class:`~.pipeline.Analyzer` that joins them

The same code serves the live device service and ``smartmat analyze``.
"""
