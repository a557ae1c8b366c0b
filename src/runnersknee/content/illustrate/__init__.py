"""Stick-figure illustrations: a pose given as joint angles → a small, accessible SVG.

:mod:`.scene` reads a scene from TOML, :mod:`.pose` places the joints, :mod:`.svg` draws them
(:mod:`.vectors`: the 3-D vector maths).

The figure is a 3-D stick skeleton projected orthographically, so one model draws standing,
lying and side-lying exercises. Every angle is in degrees; sign conventions (written once):

* Body orientation: ``pitch`` > 0 leans the trunk forward (90 = prone, −90 = supine);
  ``roll`` > 0 tilts the trunk toward the person's left (−90 = lying on the right side,
  left side up); ``yaw`` turns the whole body about the vertical.
* Legs (prefix ``r_``/``l_``): ``hip_flex`` > 0 thigh forward; ``hip_abd`` > 0 thigh away from
  the midline; ``knee_flex`` > 0 knee bent (0 = straight); ``ankle_df`` > 0 toes toward the
  shin; ``leg_twist`` > 0 turns the knee outward about the hip–ankle line (clamshell).
* Arms: ``shoulder_flex`` > 0 arm forward/up; ``shoulder_abd`` > 0 arm out to the side;
  ``elbow_flex`` > 0 elbow bent.

World axes: x forward (person's front at rest), y to the person's left, z up; metres.
Camera: ``azimuth_deg`` 0 looks at the person's right side (facing picture right), 90 looks
at the front; ``elevation_deg`` raises the camera. The floor is ``z = 0``: each keyframe is
dropped onto it unless it names an ``anchor`` joint and where that joint must be.
"""
