#!/usr/bin/env python3
"""How much of the faces the reframe pass sees at a cover's candidate frames lies under the
cover's headline: at the top of the safe zone (where it always was) and where failreel now
puts it (`plan::cover::settle_headline`). From the dry-run plans alone (no render).

    python3 scripts/eval_cover_headline.py [--bin target/release/failreel] CLIP...

For each clip: how many of the nine candidates show a face (a reframe sample within 0.2 s
with faces), and the share of those faces' area under the headline, top against now.
"""
import json,subprocess,sys,os
args=sys.argv[1:]
B='target/release/failreel'
if args[:1]==['--bin']:
    B=args[1]; args=args[2:]
def plan(clip,focus):
    env=dict(os.environ)
    o=subprocess.run([B,'render',clip,'--cover','--went-wrong','Forgot the butter on high heat','--focus',focus,'--dry-run','--json','-o','/tmp/eval-cover-headline.mp4'],capture_output=True,text=True,env=env)
    l=[json.loads(x) for x in o.stdout.splitlines() if x.startswith('{')]
    return next(x for x in l if x.get('event')=='plan')['plan']
def ov(r,f):
    w=min(r[2],f['x1'])-max(r[0],f['x0']); h=min(r[3],f['y1'])-max(r[1],f['y0'])
    return max(w,0)*max(h,0)
for clip in args:
    p=plan(clip,'auto'); c=p['cover']; h=c['headline']['rect']
    top=plan(clip,'center')['cover']['headline']['rect']
    rect=lambda h:(h['x'],h['y'],h['x']+h['width'],h['y']+h['height'])
    subs=p['video'].get('reframe',{}).get('subjects',[])
    tot={'chosen':0,'top':0}; area=0; n=0
    for cand in c['candidates']:
        near=[s for s in subs if s.get('faces') and abs(s['t']-cand['t'])<=200000]
        if not near: continue
        s=min(near,key=lambda s:abs(s['t']-cand['t'])); n+=1
        for f in s['faces']:
            a=(f['x1']-f['x0'])*(f['y1']-f['y0']); area+=a
            tot['chosen']+=ov(rect(h),f); tot['top']+=ov(rect(top),f)
    pc=lambda v: f"{100*v/area:.0f}%" if area else "-"
    print(f"{os.path.basename(clip):28s} candidates with a face {n}/{len(c['candidates'])}  face under headline: top {pc(tot['top'])}, now {pc(tot['chosen'])}  ({'bottom' if h['y']>960 else 'top'})")
