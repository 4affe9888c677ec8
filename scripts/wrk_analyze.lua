-- wrk script: POST /v1/analyze with one text per request, drawn from a fixed list, each made
-- unique by a request counter so that the server's result cache (repeated texts are answered
-- from it) does not answer for the model.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local texts = {
  "菜很好吃但是配送太慢", "客服有回覆了，但發票還沒開", "APP老是crash，更新之后更严重了",
  "The refund never arrived and support stopped answering", "Delivery was fast, great packaging",
  "退货流程太复杂了，等了一周还没退款", "登入一直失敗，帳號被鎖住了", "Price is fair for the quality",
  "快递员态度很差，把包裹扔在门口", "The agent knew exactly how to fix my router",
}
local threads = 0
function setup(thread)  -- each wrk thread numbers its requests apart from the others'
  threads = threads + 1
  thread:set("tid", threads)
end
local i, n = 0, 0
request = function()
  i = i % #texts + 1
  n = n + 1
  return wrk.format(nil, nil, nil, '{"texts":["' .. texts[i] .. ' ' .. tid .. '-' .. n .. '"]}')
end
