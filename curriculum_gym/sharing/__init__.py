"""One teacher for every worker process: ``server`` (``serve``, ``TeacherServer``,
``TeacherHandle``), ``ray_backend`` (the teacher as a Ray actor) and ``fork``
(teachers copied by ``fork`` reach their original).

Nothing is imported here, so that ``curriculum_gym.teachers`` can use ``fork``
without an import cycle; the public names live in ``curriculum_gym``.
"""
