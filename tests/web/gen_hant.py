# Writes the PAIRS of assets/web/hant.js (run from the repository root after changing the
# tables in src/text/data/): every Simplified-only character mapped to a Traditional form.
import re,collections
s_only=set(open('src/text/data/s_only.txt').read().split()) 
s_only=set(''.join(s_only))
inv=collections.defaultdict(list)
for line in open('src/text/data/t2s_chars.txt'):
    line=line.rstrip('\n')
    if len(line)==2: inv[line[1]].append(line[0])
pick={'个':'個','为':'為','么':'麼','产':'產','发':'發','复':'複','当':'當','线':'線','证':'證','钥':'鑰','面':'麵','系':'係','干':'幹','后':'後','里':'裡','台':'臺','只':'隻','余':'餘','云':'雲','几':'幾','划':'劃','尽':'盡','松':'鬆','范':'範','冲':'衝','历':'歷','汇':'匯','钟':'鐘','获':'獲','脏':'髒','须':'須','签':'簽','团':'團','制':'製','准':'準','凶':'兇','致':'緻'}
common = set()
m={}
for c in sorted(s_only):
    cands=inv.get(c)
    if not cands: continue
    if c in pick: m[c]=pick[c]
    elif len(cands)==1: m[c]=cands[0]
    else:
        cc=[x for x in cands if x in common]
        m[c]=(cc or cands)[0]
pairs=''.join(k+v for k,v in m.items())
p='assets/web/hant.js'
s=open(p).read()
s=re.sub(r"const PAIRS = '[^']*';", "const PAIRS = '"+pairs+"';", s)
open(p,'w').write(s)
print(len(m), len(pairs.encode()))
