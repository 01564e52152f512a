"""The seeded canned texts (0004 in English, 0014 in Chinese, Thai and Bulgarian) get real
placeholders — {customer_name}, {reference}, {promised_by}, {agent_name}, filled in by the
complaint page (`complaints.selectors.canned_fill`) — in each language's own phrasing; "…" stays
where the agent writes the specifics. A text a manager has edited since it was seeded is left as
it is (only a body still equal to the seed is replaced); going back restores the seed.
"""

import importlib

from django.db import migrations

_EN = importlib.import_module("complaints.migrations.0004_seed_canned_texts").DEFAULTS
_OTHERS = importlib.import_module("complaints.migrations.0014_canned_text_language").DEFAULTS
SEEDED = {("en", k, t): b for k, _p, t, b in _EN} | {(lang, k, t): b for lang, k, _p, t, b in _OTHERS}

BODIES = {
    ("en", "empathy", "I understand"): "Dear {customer_name}, I understand how frustrating this is, and thank you for telling us. Let me make sure I have it right: …",
    ("en", "empathy", "Happened to me too"): "I understand, {customer_name} — I once had something arrive incomplete myself, so I know how annoying it is. I am {agent_name}, and I will look after {reference} myself.",
    ("en", "empathy", "Restate the key points"): "So that I get this right for you, {customer_name}: … Is that correct?",
    ("en", "apology", "Our mistake"): "I am sorry, {customer_name}. This was our mistake: … It should not have happened.",
    ("en", "apology", "Sorry for the trouble"): "I am sorry for the trouble this has caused you, {customer_name}, and for the time it has taken.",
    ("en", "apology", "Not yet sure why"): "I am sorry this happened, {customer_name}. We do not know yet what went wrong; I will find out and tell you by {promised_by}.",
    ("en", "remedy", "Sending it now"): "Here is what I will do, {customer_name}: we are sending … by express today, so it reaches you by {promised_by}.",
    ("en", "remedy", "Refund"): "{customer_name}, I have refunded … to your original payment method; you will usually see it within a few days. Your reference is {reference}.",
    ("en", "remedy", "A small thank-you"): "As a thank-you for your patience, {customer_name}, we are adding … to your parcel. Kind regards, {agent_name}",
    ("en", "limit_setting", "Offers made"): "{customer_name}, we have offered …, … and …. I am afraid we cannot do more than that, and I will close this conversation ({reference}) now. If anything new comes up, you are welcome to write to us again.",
    ("en", "limit_setting", "Respectful tone"): "{customer_name}, I want to help you, and I can do so when we keep this conversation respectful. If the threats continue, I will end our conversation here. {agent_name}",
    ("zh-hans", "empathy", "我理解"): "{customer_name}您好，我理解这件事让您很困扰，谢谢您告诉我们。我确认一下我的理解是否正确：……",
    ("zh-hans", "empathy", "复述要点"): "{customer_name}您好，为了把事情处理好，我先复述一下要点：……，请问是这样吗？",
    ("zh-hans", "apology", "我们的失误"): "{customer_name}，非常抱歉，这是我们的失误：……这本不该发生。",
    ("zh-hans", "remedy", "今天寄出"): "{customer_name}，我会这样处理：今天就用快递为您寄出……，预计{promised_by}之前送达。您的投诉编号是{reference}。",
    ("zh-hans", "limit_setting", "已提供的方案"): "{customer_name}，我们已经为您提供了……、……和……。很抱歉，我们能做的就是这些了，我现在会结束这次对话（{reference}）。如果有新的情况，欢迎您随时再联系我们。",
    ("zh-hans", "limit_setting", "互相尊重"): "{customer_name}，我很想帮您解决问题，也希望我们能以互相尊重的方式沟通。如果仍然出现威胁性的言语，我将在这里结束这次对话。{agent_name}",
    ("zh-hant", "empathy", "我能體會"): "{customer_name}您好，我能體會這件事讓您很困擾，謝謝您告訴我們。我確認一下我的理解是否正確：……",
    ("zh-hant", "empathy", "整理重點"): "{customer_name}您好，為了把事情處理好，我先整理一下重點：……，請問是這樣嗎？",
    ("zh-hant", "apology", "我們的疏失"): "{customer_name}，非常抱歉，這是我們的疏失：……這本來不該發生。",
    ("zh-hant", "remedy", "今天寄出"): "{customer_name}，我會這樣處理：今天就以快遞為您寄出……，預計{promised_by}之前送達。您的案件編號是{reference}。",
    ("zh-hant", "limit_setting", "已提供的方案"): "{customer_name}，我們已經為您提供了……、……和……。很抱歉，我們能做的就是這些了，我現在會結束這次對話（{reference}）。如果有新的狀況，歡迎您隨時再與我們聯繫。",
    ("zh-hant", "limit_setting", "互相尊重"): "{customer_name}，我很希望能幫您解決問題，也希望我們能以互相尊重的方式溝通。如果仍有威脅性的言語，我將在這裡結束這次對話。{agent_name}",
    ("th", "empathy", "เข้าใจความรู้สึก"): "เรียนคุณ{customer_name} เข้าใจเลยค่ะ/ครับว่าเรื่องนี้ทำให้ลำบากใจมาก ขอบคุณที่แจ้งให้เราทราบนะคะ/ครับ ขอทวนเพื่อให้แน่ใจว่าเข้าใจถูกต้อง: …",
    ("th", "empathy", "ทวนประเด็น"): "คุณ{customer_name}คะ/ครับ เพื่อให้เราช่วยได้ถูกต้อง ขอทวนอีกครั้งนะคะ/ครับ: … ถูกต้องไหมคะ/ครับ",
    ("th", "apology", "ความผิดพลาดของเรา"): "คุณ{customer_name} ต้องขออภัยเป็นอย่างสูงค่ะ/ครับ เรื่องนี้เป็นความผิดพลาดของเราเอง: … ไม่ควรเกิดขึ้นเลย",
    ("th", "remedy", "จัดส่งให้วันนี้"): "คุณ{customer_name} สิ่งที่เราจะทำคือ จัดส่ง… แบบด่วนให้ภายในวันนี้ คาดว่าจะถึงมือคุณภายใน {promised_by} (เลขที่เรื่อง {reference})",
    ("th", "limit_setting", "ข้อเสนอที่ให้ไปแล้ว"): "คุณ{customer_name} เราได้เสนอ… … และ… ให้แล้ว ต้องขออภัยที่เราทำได้เพียงเท่านี้ และขออนุญาตปิดการสนทนาเรื่อง {reference} ก่อนนะคะ/ครับ หากมีเรื่องใหม่ ยินดีให้ติดต่อเรากลับมาได้ทุกเมื่อ",
    ("th", "limit_setting", "คุยกันอย่างให้เกียรติ"): "คุณ{customer_name} เราอยากช่วยคุณจริง ๆ และจะช่วยได้ดีที่สุดเมื่อเราคุยกันอย่างให้เกียรติกัน หากยังมีคำข่มขู่ต่อไป ขออนุญาตจบการสนทนาครั้งนี้ค่ะ/ครับ {agent_name}",
    ("bg", "empathy", "Разбирам"): "Здравейте, {customer_name}! Разбирам колко неприятно е това и Ви благодаря, че ни писахте. Нека проверя дали разбирам правилно: …",
    ("bg", "empathy", "Обобщение"): "{customer_name}, за да помогна както трябва, нека обобщя: … Така ли е?",
    ("bg", "apology", "Нашата грешка"): "{customer_name}, съжалявам. Грешката е наша: … Това не биваше да се случва.",
    ("bg", "remedy", "Изпращаме днес"): "{customer_name}, ето какво ще направя: днес изпращаме … с експресна доставка, така че да го получите до {promised_by}. Номерът на сигнала Ви е {reference}.",
    ("bg", "limit_setting", "Направени предложения"): "{customer_name}, предложихме Ви …, … и …. Опасявам се, че не можем да направим повече, затова ще приключа разговора по {reference} сега. Ако възникне нещо ново, ще се радваме да ни пишете отново.",
    ("bg", "limit_setting", "Уважителен тон"): "{customer_name}, искам да Ви помогна и мога да го направя, когато разговаряме с взаимно уважение. Ако заплахите продължат, ще прекратя разговора тук. {agent_name}",
}


def _swap(apps, old_of, new_of):
    CannedText = apps.get_model("complaints", "CannedText")
    for (language, kind, title), new in BODIES.items():
        CannedText.objects.filter(
            language=language, kind=kind, title=title, body=old_of(language, kind, title)
        ).update(body=new_of(language, kind, title))


def forwards(apps, schema_editor):
    _swap(apps, lambda *key: SEEDED[key], lambda *key: BODIES[key])


def backwards(apps, schema_editor):
    _swap(apps, lambda *key: BODIES[key], lambda *key: SEEDED[key])


class Migration(migrations.Migration):
    dependencies = [("complaints", "0024_i18n_staff_time_zone")]

    operations = [migrations.RunPython(forwards, backwards)]
