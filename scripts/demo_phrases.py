"""Phrase banks for the Verbatim demo corpus (scripts/make_demo.py).

Each clause expresses exactly one topic from models/taxonomy.toml with one sentiment in one
language.  Sections are headed `## <topic> <neg|pos> <hans|hant|en>`; `## context <lang>` holds
neutral, topic-free context clauses.

Every clause kept here was run on its own through the Verbatim analyzer
(`python3 scripts/check_demo.py clauses`) and kept only if the model assigns its own topic and
none of the planted/measured topics (delivery, response_time, billing, account_security,
product_quality) other than its own.  Clauses that failed were dropped or rewritten, so the
banks below are already filtered; edit them only together with a re-run of that check.
"""

BANK_TEXT = """
## delivery neg hans
快递整整五天才送到
物流信息三天没更新过
快递员没打电话就把包裹扔在驿站
发货速度太慢了，下单一周才发出
骑手送错了地址，外卖送到了隔壁小区
包裹显示已签收，但我根本没收到
配送延误了两次，说好的次日达完全没做到
快递员态度随便，把包裹直接丢在门口
物流一直停在中转站不动
派送员说送不了让我自己去取件
运单号查不到任何物流记录
快递送到了另一个城市，真是离谱
配送太慢，说好的当日达变成了三日达
物流太慢了，比别家慢了好几天
快递员把包裹放在门口就走了，差点丢了
物流显示派送中，一整天都没送到
发货拖了五天，物流才有信息
下单时写的次日送达，结果第四天才到货

## delivery neg hant
包裹顯示已送達，可是我根本沒收到
快遞員沒通知就把包裹放在管理室
物流單號查不到任何配送紀錄
配送太慢了，跟官網寫的到貨時間差很多
物流顯示配送中，一整天都沒送到
快遞一直延誤，到貨時間一改再改
外送員把餐送到隔壁大樓
包裹寄到別的地址去了
宅配說送不到，要我自己去物流站取件

## delivery neg en
the package arrived five days late
the courier left my parcel at the wrong address
tracking hasn't updated in a week
the delivery driver never showed up
shipping took almost three weeks
my order was marked as delivered but never arrived
the rider delivered the food to the wrong building
one item was missing from the shipment
the parcel was stuck in transit for ten days
the courier threw the package over the fence
the courier never rang the bell and took the parcel back
my package was delivered to my neighbour without notice
the rider got lost and the order arrived an hour late
the parcel was left in the rain on my doorstep

## delivery pos hans
快递第二天就送到了，速度很快
物流很给力，发货当天就出库了
快递员很准时，送货上门还帮忙搬上楼
配送速度超出预期，隔天就到货了
骑手送到门口还发消息提醒，很贴心
下单后很快就发货了，两天就签收
快递员提前打电话确认，送货很准时
当天下单第二天就签收了
物流很快，跨省三天就到货

## delivery pos hant
宅配隔天就送到，速度很快
出貨很迅速，物流也很順
配送比預期快很多，很滿意
包裹比預計早一天送達
物流很快，隔天就收到包裹

## delivery pos en
the package arrived a day earlier than expected
shipping was super fast
the courier was on time and very careful
delivery was quick and the tracking was accurate
the parcel arrived right on schedule
the courier was friendly and delivered right to my door
the package came the next morning
delivery was fast and the rider was careful with the food
tracking was accurate and the parcel arrived on time

## response_time neg hans
客服电话排队排了四十分钟
在线客服半天没人回复
提交的工单三天了还没有答复
打了五次客服热线都没人接
说好二十四小时内回电，结果一直没人回拨
转人工要排队一个多小时
发了三封邮件都没有回复
客服回复特别慢，一个问题拖了一周
在线咨询等了好久才有人回应
投诉之后迟迟没有人跟进
客服拖拖拉拉的，催了好几次才回
每次联系客服都要久等

## response_time neg hant
客服電話等了快一個小時才接通
線上客服訊息已讀不回
寄了好幾封信都沒有回覆
說會回電，結果等了三天都沒消息
反映的問題拖了兩個禮拜還沒回應
排隊轉真人客服要等超久
留言之後就石沉大海
問題回報好幾次都沒人回覆
客服電話轉了好幾次，每次都要重新排隊
線上客服一直沒人回應
信件寄出去一個禮拜都沒回覆
說好二十四小時內回電，到現在都沒有消息
客服回覆超慢，一個問題要等好幾天
打了好多次客服電話都沒人接

## response_time neg en
I was on hold for over an hour
nobody replied to my emails for a week
the support chat took forever to respond
I waited forty minutes in the phone queue
they promised a callback that never came
my ticket has been unanswered for ten days
I've sent three messages and never heard back
the hold time on the hotline is ridiculous
it took them two weeks to reply to a simple question
I'm still waiting for someone to follow up
the live chat queue said forty people ahead of me
I was transferred three times and put on hold each time
I've been waiting on a reply since last Tuesday

## response_time pos hans
在线客服几乎是秒回
客服电话一打就通，不用排队
提交工单当天就有人回复了
问题反映后很快就有人回电
客服响应很及时，效率很高
留言后十分钟就收到了答复

## response_time pos hant
線上客服回覆很快，幾分鐘就有人回應
客服專線一打就接通，不用等
反映問題後很快就有人回電
客服很快就回電，效率很好
信件隔天就有回覆

## response_time pos en
support replied within minutes
they called back promptly the same day
no wait at all on the phone line
quick response from the chat team
my email got a reply within an hour
I got a reply from support in under ten minutes
they responded to my ticket the same afternoon

## billing neg hans
这个月账单莫名其妙多扣了五十块
同一笔订单被重复扣款了两次
申请退款半个月了钱还没到账
发票一直开不出来，报销很麻烦
取消了自动续费还是被扣了钱
话费扣费明细对不上
电子发票上的抬头开错了
扣款金额和下单时显示的不一样
说好退费，结果只退了一半
账单里有一笔不认识的扣费
付款成功了却显示未支付，又扣了一次
乱收费，账单上多了一项服务费
自动续费没有任何提醒就扣钱了
退款申请通过了，钱一直没到账
账单上的金额跟实际消费对不上
开的发票金额不对，还得重新开

## billing neg hant
帳單上多了一筆莫名的扣款
信用卡被重複刷了兩次
申請退費一個月了錢還沒退回來
取消自動續約之後還是被扣款
電子發票的統編打錯了
扣款金額跟結帳時看到的不一樣
退款進度查不到，錢也沒入帳
這個月的帳單金額明顯算錯
自動續約沒有通知就直接扣款
同一筆訂單被扣款兩次
發票金額開錯，還要重新申請
說好全額退費，結果只退一半

## billing neg en
I was charged twice for the same order
my refund still hasn't come through after a month
the invoice had the wrong amount on it
they billed me after I cancelled the subscription
the auto-renewal charged me without any notice
I never received a receipt for my payment
my statement shows a charge I don't recognise
the refund was only partial
the payment went through twice
they still haven't fixed the billing error
my invoice showed a fee I never agreed to
they charged my credit card before the order was confirmed
the renewal charge came out without any warning

## billing pos hans
退款很快就到账了
发票开得很及时，报销很方便
账单清楚明白，每一笔扣费都写得很清楚
多扣的钱很快就退回来了
电子发票当天就发到邮箱了
申请退款后第二天就到账了
账单明细一目了然

## billing pos hant
退款很快就入帳了
電子發票馬上就收到了
重複扣款的部分很快就退還了
帳單明細很清楚
發票開得很快，報帳很方便
退費很快就退到信用卡了
重複扣款很快就處理退還

## billing pos en
they reversed the double charge right away
I got my receipt instantly
my billing statement is always accurate

## product_quality neg hans
衣服洗了一次就掉色起球
耳机用了一周音质就开始有杂音
做工很粗糙，线头到处都是
面条口感很差，汤底也没味道
水果不新鲜，有好几个已经发霉了
质量太差了，用了两天就坏了
材质摸起来很廉价
收到的疑似假货，跟正品差别很大
零食有一股奇怪的异味
分量比图片上少了一大半
家里的网速很慢，信号也不稳定
杯子有明显的瑕疵和裂痕
牛奶喝起来有点变质的味道
画质很模糊，跟宣传的差太多
这批货质量明显不如以前

## product_quality neg hant
衣服洗一次就褪色了，品質很差
耳機用沒幾天音質就變差
做工很粗糙，有很多瑕疵
麵條口感很差，湯頭也沒味道
水果不新鮮，有幾顆已經壞掉
材質摸起來很廉價
零食有一股怪味道
用不到一個月就壞了，品質堪慮
網速很慢，訊號也不穩
牛奶喝起來有點酸，好像變質了
畫質很模糊，跟廣告差很多
這批品質明顯比以前差

## product_quality neg en
the build quality is really flimsy
it broke after two weeks of normal use
the coffee tasted stale and burnt
the battery life is terrible
the bread was stale and tasted bland
it feels cheaply made
the signal at home is weak, barely one bar
the fruit was moldy
the product looks like a counterfeit
the screen picture quality is blurry
the quality has gone downhill since last year
the chair feels poorly made and wobbly

## product_quality pos hans
质量很好，做工很精细
面包口感松软，味道很好
衣服材质很舒服，洗了也不变形
耳机音质非常好，低音很足
手机续航很强，一天一充足够
水果很新鲜，个头也大
品质跟专柜一样，是正品
用了两年还是很耐用
咖啡味道很香，口感顺滑
信号很好，在地下室也满格
质感很高级，比预期好

## product_quality pos hant
品質很好，做工細緻
麵包口感很鬆軟，很好吃
衣服材質很舒服，穿起來很透氣
耳機音質很棒，很有層次
手機續航力很強
水果很新鮮，甜度也夠
質感很好，比想像中高級
用了兩年還是很耐用
咖啡味道很香醇

## product_quality pos en
the build quality is excellent
the coffee tastes fresh and rich
it feels sturdy and well made
battery life is great, it lasts all day
the fabric is soft and durable
the sound quality is amazing
the bread was fresh and tasty
still works perfectly after two years
the picture quality is sharp and vivid
the flavor is amazing
the material feels premium

## account_security neg hans
账号被盗了，密码也被人改了
收不到验证码，一直登录不上
账户莫名其妙被冻结了
登录的时候一直提示密码错误
有人异地登录我的账号
实名认证一直通不过
账号被封了也不说原因
绑定的手机号换了就没法登录
人脸识别验证失败了好几次
个人信息好像被泄露了，接到很多骗子电话
重置密码的链接一直收不到
账户被锁定，解锁流程很麻烦
收到陌生的登录提醒，担心账户安全
密码明明是对的却一直登录失败
有人盗刷了我绑定的账号
账号被风控限制了，申诉也没用

## account_security neg hant
帳號被盜用了，密碼也被改掉
收不到驗證碼，一直登入不了
帳戶突然被鎖住了
登入時一直顯示密碼錯誤
有人從國外登入我的帳號
個資好像外洩了，一直接到詐騙電話
重設密碼的信一直沒收到
實名認證一直過不了
帳號被停權也沒有說明原因
密碼明明是對的卻一直登入失敗
帳號被鎖住，要本人去門市解鎖
驗證碼簡訊一直收不到
收到陌生的登入通知，很擔心帳號安全
帳號被盜，還被拿去詐騙朋友

## account_security neg en
my account got hacked and the password was changed
my account was locked for no reason
I keep getting logged out
someone logged into my account from another country
the password reset email never arrives
my account was suspended without explanation
I got a phishing email that looked exactly like yours
I think my personal data was leaked
I'm locked out after one wrong password
the app won't accept my password even after a reset
my account was hacked and used for fraud
I can't sign in since I changed my phone number

## account_security pos hans
开启了双重验证，感觉账户很安全
账号解冻很快
登录有验证码保护，很安心

## account_security pos hant
有雙重驗證，帳號很安全
有登入驗證碼保護，很安心
帳號被盜之後很快就幫我找回來

## account_security pos en
two-factor login makes me feel safe
resetting my password was quick and easy
I appreciate the security alerts on new logins
the login verification gives me peace of mind
they helped me recover my hacked account

## price_value neg hans
价格太贵了，同类产品便宜不少
又涨价了，感觉不值
性价比很低
原价虚高，打折也不划算
这个价位买这个不值
价格比别家贵了三成

## price_value neg hant
又漲價了，覺得不划算
這個價位買這個不值得
會員月費越來越貴

## price_value neg en
it's way overpriced
the prices keep going up
not worth the money
the monthly fee is too expensive
you can get it much cheaper elsewhere
the price hike was too much

## price_value pos hans
价格很实惠，性价比超高
打折的时候买的，非常划算
这个价位能买到这样的很值
优惠力度很大
物超所值，会回购

## price_value pos hant
價格很實惠，CP值很高
特價的時候買很划算
這個價位很值得
優惠很多，很超值

## price_value pos en
great value for money
the price is very affordable
I got it at a great discount
totally worth it for the price

## service_attitude neg hans
店员爱理不理的
工作人员很不耐烦
客服说话阴阳怪气
门店员工翻白眼，很没礼貌
客服一直推诿踢皮球
门店员工态度冷漠

## service_attitude neg hant
店員愛理不理的
服務人員很不耐煩
門市人員很沒禮貌
客服講話很敷衍
店員態度冷漠

## service_attitude neg en
the agent was rude to me
the staff were dismissive and unfriendly
the store clerk snapped at me
the rep was condescending
she hung up on me

## service_attitude pos hans
店员很热情，服务周到
工作人员很有礼貌

## service_attitude pos hant
服務人員很有禮貌

## service_attitude pos en
the staff were friendly and polite
the agent was very patient with me
everyone at the store was welcoming
the rep was courteous and kind

## usability neg hans
App界面太乱了，找不到入口
操作步骤太繁琐
设置菜单藏得太深
界面设计反人类
字体太小看不清
流程复杂，老人根本不会用

## usability neg hant
App介面很亂，找不到功能入口
操作步驟太繁瑣
設定選單藏得很深
介面設計不直覺
字體太小看不清楚
流程太複雜了

## usability neg en
the app is confusing to navigate
the interface is cluttered
there are too many steps to do anything simple
the menus are clunky
the settings are hard to find

## usability pos hans
界面简洁，很容易上手
操作很方便
流程简单，几步就搞定
操作简单，老人也会用
按钮布局很合理

## usability pos hant
介面簡潔，很容易上手
操作很直覺，很方便
流程簡單，幾個步驟就完成

## usability pos en
the app is easy to use
the interface is clean and intuitive
navigation is straightforward
the layout is simple and clear

## reliability neg hans
App一直闪退
页面加载不出来，一直白屏
用着用着就卡死了
服务器老是宕机
网页一直报错
更新之后经常崩溃

## reliability neg hant
App一直閃退
網頁一直當機
更新之後常常卡住
伺服器常常當機

## reliability neg en
the app keeps crashing
the website was down all morning
it freezes every time I open it
I keep getting an error message
the app is buggy since the last update

## reliability pos hans
App运行很稳定，从没闪退过
用了很久都没出过故障
系统很稳定，一直没出过问题

## reliability pos hant
App很穩定，從來沒當機
系統很穩定，沒遇過閃退

## reliability pos en
no crashes or glitches so far
the app never crashes
the website is stable even at peak times

## after_sales neg hans
退货流程太麻烦了
保修期内也不给维修
送修一个月了还没修好
换货申请一直被拒
售后服务形同虚设

## after_sales neg hant
送修一個月還沒修好
售後服務很差，保固形同虛設

## after_sales neg en
the return process is a nightmare
they refused the warranty repair
the warranty claim was rejected
they refused to replace the faulty unit

## after_sales pos hans
售后很给力，直接换新

## after_sales pos hant
保固期內直接換了新品
售後服務很好，直接換新品
退換貨很順利

## after_sales pos en
the warranty replacement was painless
returning it was easy

## packaging neg hans
外包装很简陋
盒子被压扁了
包装袋都破了
餐盒漏汤了
包装太过度，全是塑料

## packaging neg hant
外包裝很簡陋
盒子被壓扁了
餐盒漏湯
包裝袋破掉了

## packaging neg en
the box was crushed
way too much plastic packaging

## packaging pos hans
包装得很严实

## packaging pos hant
包裝很紮實
外盒包裝很用心

## packaging pos en
the packaging was neat and secure
nice gift box
everything was well packed with bubble wrap

## staff_expertise neg hans
客服一问三不知
工作人员不专业，答非所问
技术人员根本不懂

## staff_expertise neg hant
客服一問三不知
服務人員很不專業
服務人員答非所問
客服講不清楚，好像什麼都不懂

## staff_expertise neg en
the agent had no idea what he was talking about
the staff gave me wrong information
the technician seemed untrained
the rep was clueless about the product

## staff_expertise pos hans
技术人员很懂行，一下就找到了原因
工程师经验丰富，一下就找到原因

## staff_expertise pos hant
技術人員經驗很豐富

## staff_expertise pos en
the specialist was very knowledgeable
the agent explained everything clearly

## features neg hans
希望能增加夜间模式
不支持导出数据
缺少搜索功能
没有同步功能很不方便

## features neg hant
希望能新增夜間模式
希望可以新增深色模式
希望可以增加搜尋功能
沒有同步功能很不方便

## features neg en
please add a dark mode
there is no way to export my data
it lacks a proper search feature
I wish it had offline mode

## features pos hans
新功能很实用
新增的提醒功能很好用

## features pos hant
新功能很實用

## features pos en
the new features are really useful
love the widget feature

## context hans
第一次在这家买
用了大概半年
给家里老人买的
之前一直是老顾客
这是第二次购买
朋友推荐来的

## context hant
上禮拜訂的
第一次在這家買
用了大概半年
買給家裡長輩的
一直是老客戶了
朋友推薦的

## context en
first time buying from you
bought this for my mom
a friend recommended you
I usually shop here on weekends
my family has used your products for years
bought it as a gift
"""


def load_bank():
    """Return {(topic, sentiment, lang): [clause, ...]} in file order."""
    bank = {}
    key = None
    for raw in BANK_TEXT.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("## "):
            parts = line[3:].split()
            key = (parts[0], None, parts[1]) if parts[0] == "context" else tuple(parts)
            bank.setdefault(key, [])
            continue
        bank[key].append(line)
    return bank


BANK = load_bank()
