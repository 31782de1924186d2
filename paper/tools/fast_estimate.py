#!/usr/bin/env python3
# The fast profile's compute estimate for Tables II-V (docs/performance.md, "The fast profile"),
# from the runs of 2026-12-07 (AMD EPYC Zen 3, 2 cores). Usage: python3 paper/tools/fast_estimate.py
#  - a fast cell whose runs are finished: their recorded wall time;
#  - else: the full counterpart run's recorded epochs x this sitting's mean seconds per epoch
#    (wall / epochs, setup and test included) of finished fast runs of the same dataset, layout
#    and K; ml100k (a) K=500 from the re-training of atflrec-a-709c0421 (510 s / 12 epochs);
#  - a class not measured (synthlens; layouts not yet run at that K): the full counterpart's
#    recorded time x 50/142 (S1: stride 8 against 1 per epoch) for audio layouts x 0.86 (the
#    last-layer change); an upper estimate, the full runs' times include slower states of the code;
#  - baselines: 30 s.
import json, collections
import os, sys
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..") + "/"
full = {(c['table'], c['dataset'], c['row'], c['column']): c['runs'] for c in json.load(open(root + 'paper/tables/cells.json'))}
fast = {(c['table'], c['dataset'], c['row'], c['column']): c['runs'] for c in json.load(open(root + 'paper/fast/tables/cells.json'))}
def load(r):
    try: return json.load(open(root + 'paper/runs/%s/config.json' % r)), json.load(open(root + 'paper/runs/%s/result.json' % r))
    except FileNotFoundError: return None
def cls(cfg): return (cfg['data']['dataset'], cfg['lora']['layout'], cfg['data']['shots'])
today = collections.defaultdict(list); before = collections.defaultdict(list)
for key, runs in fast.items():
    if key[0] == 'S1': continue
    for r in runs:
        cfg, res = load(r)
        if cfg['model'] == 'atflrec' and not (cfg['data']['shots'] == 500 and cfg['lora']['layout'] == 'a' and cfg['data']['dataset'] == 'ml100k'):
            today[cls(cfg)].append(res['wallSeconds'] / res['epochsRun'])
today[('ml100k', 'a', 500)] = [510.0 / 12]
# (c) K=500: one seed finished so far (not yet a rendered cell): atflrec-c-bc2d6065, 500.5 s / 18 epochs
today[('ml100k', 'c', 500)] = [500.5 / 18]
for key, runs in full.items():
    for r in runs:
        cfg, res = load(r)
        if cfg['model'] == 'atflrec' and key[0] in ('II', 'III'): before[cls(cfg)].append(res['wallSeconds'] / res['epochsRun'])
mean = lambda v: sum(v) / len(v)
per = {k: mean(v) for k, v in today.items()}
print('per epoch today:', {k: round(v, 1) for k, v in per.items()})
print('per epoch full :', {k: round(mean(v), 1) for k, v in before.items()})
measured = estimated = 0.0; counted = set(); by = collections.defaultdict(float)
for key, fruns in full.items():
    if key[0] == 'S1': continue
    have = fast.get(key, [])
    for i, fr in enumerate(fruns):
        fc, fres = load(fr)
        if i < len(have):
            if have[i] in counted: continue
            counted.add(have[i]); s = load(have[i])[1]['wallSeconds']; measured += s; by[key[1]] += s; continue
        if fr in counted: continue
        counted.add(fr)
        if fc['model'] != 'atflrec': estimated += 30; by[key[1]] += 30; continue
        k = cls(fc)
        if k in per: s = fres['epochsRun'] * per[k]
        else:
            # Not measured today: the full run's own seconds per epoch x Study S1's per-epoch
            # ratio of stride 8 to stride 1 (50 / 142 s, idle machine) for the audio layouts x
            # the last-layer change's 0.86.
            s = fres['wallSeconds'] * (1.0 if k[1] == 'c' else 50 / 142) * 0.86
        estimated += s; by[key[1]] += s
print('Tables II-V: measured %.2f h, to do %.2f h, total %.2f h; by dataset %s' % (measured / 3600, estimated / 3600, (measured + estimated) / 3600, {k: round(v / 3600, 2) for k, v in by.items()}))
