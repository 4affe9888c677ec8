-- wrk script: POST /v1/analyze with one text per request, drawn from a fixed list.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local texts = {
  "菜很好吃但是配送太慢", "客服有回覆了，但發票還沒開", "APP老是crash，更新之后更严重了",
  "The refund never arrived and support stopped answering", "Delivery was fast, great packaging",
  "退货流程太复杂了，等了一周还没退款", "登入一直失敗，帳號被鎖住了", "Price is fair for the quality",
  "快递员态度很差，把包裹扔在门口", "The agent knew exactly how to fix my router",
}
local i = 0
request = function()
  i = i % #texts + 1
  return wrk.format(nil, nil, nil, '{"texts":["' .. texts[i] .. '"]}')
end
