"""Canned texts get a language (the seeded ones of 0004 are English), and good default texts
are seeded in Simplified and Traditional Chinese, Thai and Bulgarian (DESIGN §6), written in the
practice's own voice in each language: restate, own the fault, say what happens and by when, set
limits only when the alternatives are exhausted. They pass the tone rules of their language
(tests/complaints/test_words.py). Managers edit or add to them in admin.
"""

from django.db import migrations, models

DEFAULTS = (
    # language, kind, position, title, body
    ("zh-hans", "empathy", 1, "我理解", "我理解这件事让您很困扰，谢谢您告诉我们。我确认一下我的理解是否正确：……"),
    ("zh-hans", "empathy", 2, "复述要点", "为了把事情处理好，我先复述一下要点：……，请问是这样吗？"),
    ("zh-hans", "apology", 1, "我们的失误", "非常抱歉，这是我们的失误：……这本不该发生。"),
    ("zh-hans", "remedy", 1, "今天寄出", "我会这样处理：今天就用快递为您寄出……，预计……之前送达。"),
    ("zh-hans", "limit_setting", 1, "已提供的方案", "我们已经为您提供了……、……和……。很抱歉，我们能做的就是这些了，我现在会结束这次对话。如果有新的情况，欢迎您随时再联系我们。"),
    ("zh-hans", "limit_setting", 2, "互相尊重", "我很想帮您解决问题，也希望我们能以互相尊重的方式沟通。如果仍然出现威胁性的言语，我将在这里结束这次对话。"),
    ("zh-hant", "empathy", 1, "我能體會", "我能體會這件事讓您很困擾，謝謝您告訴我們。我確認一下我的理解是否正確：……"),
    ("zh-hant", "empathy", 2, "整理重點", "為了把事情處理好，我先整理一下重點：……，請問是這樣嗎？"),
    ("zh-hant", "apology", 1, "我們的疏失", "非常抱歉，這是我們的疏失：……這本來不該發生。"),
    ("zh-hant", "remedy", 1, "今天寄出", "我會這樣處理：今天就以快遞為您寄出……，預計……之前送達。"),
    ("zh-hant", "limit_setting", 1, "已提供的方案", "我們已經為您提供了……、……和……。很抱歉，我們能做的就是這些了，我現在會結束這次對話。如果有新的狀況，歡迎您隨時再與我們聯繫。"),
    ("zh-hant", "limit_setting", 2, "互相尊重", "我很希望能幫您解決問題，也希望我們能以互相尊重的方式溝通。如果仍有威脅性的言語，我將在這裡結束這次對話。"),
    ("th", "empathy", 1, "เข้าใจความรู้สึก", "เข้าใจเลยค่ะ/ครับว่าเรื่องนี้ทำให้ลำบากใจมาก ขอบคุณที่แจ้งให้เราทราบนะคะ/ครับ ขอทวนเพื่อให้แน่ใจว่าเข้าใจถูกต้อง: …"),
    ("th", "empathy", 2, "ทวนประเด็น", "เพื่อให้เราช่วยได้ถูกต้อง ขอทวนอีกครั้งนะคะ/ครับ: … ถูกต้องไหมคะ/ครับ"),
    ("th", "apology", 1, "ความผิดพลาดของเรา", "ต้องขออภัยเป็นอย่างสูงค่ะ/ครับ เรื่องนี้เป็นความผิดพลาดของเราเอง: … ไม่ควรเกิดขึ้นเลย"),
    ("th", "remedy", 1, "จัดส่งให้วันนี้", "สิ่งที่เราจะทำคือ จัดส่ง… แบบด่วนให้ภายในวันนี้ คาดว่าจะถึงมือคุณภายใน…"),
    ("th", "limit_setting", 1, "ข้อเสนอที่ให้ไปแล้ว", "เราได้เสนอ… … และ… ให้แล้ว ต้องขออภัยที่เราทำได้เพียงเท่านี้ และขออนุญาตปิดการสนทนานี้ก่อนนะคะ/ครับ หากมีเรื่องใหม่ ยินดีให้ติดต่อเรากลับมาได้ทุกเมื่อ"),
    ("th", "limit_setting", 2, "คุยกันอย่างให้เกียรติ", "เราอยากช่วยคุณจริง ๆ และจะช่วยได้ดีที่สุดเมื่อเราคุยกันอย่างให้เกียรติกัน หากยังมีคำข่มขู่ต่อไป ขออนุญาตจบการสนทนาครั้งนี้ค่ะ/ครับ"),
    ("bg", "empathy", 1, "Разбирам", "Разбирам колко неприятно е това и Ви благодаря, че ни писахте. Нека проверя дали разбирам правилно: …"),
    ("bg", "empathy", 2, "Обобщение", "За да помогна както трябва, нека обобщя: … Така ли е?"),
    ("bg", "apology", 1, "Нашата грешка", "Съжалявам. Грешката е наша: … Това не биваше да се случва."),
    ("bg", "remedy", 1, "Изпращаме днес", "Ето какво ще направя: днес изпращаме … с експресна доставка, така че да го получите до …"),
    ("bg", "limit_setting", 1, "Направени предложения", "Предложихме Ви …, … и …. Опасявам се, че не можем да направим повече, затова ще приключа разговора сега. Ако възникне нещо ново, ще се радваме да ни пишете отново."),
    ("bg", "limit_setting", 2, "Уважителен тон", "Искам да Ви помогна и мога да го направя, когато разговаряме с взаимно уважение. Ако заплахите продължат, ще прекратя разговора тук."),
)


def seed(apps, schema_editor):
    CannedText = apps.get_model("complaints", "CannedText")
    for language, kind, position, title, body in DEFAULTS:
        CannedText.objects.get_or_create(
            language=language, kind=kind, title=title, defaults={"body": body, "position": position}
        )


def unseed(apps, schema_editor):
    CannedText = apps.get_model("complaints", "CannedText")
    for language, kind, _position, title, _body in DEFAULTS:
        CannedText.objects.filter(language=language, kind=kind, title=title).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('complaints', '0013_staff_profile'),
    ]

    operations = [
        migrations.AddField(
            model_name='cannedtext',
            name='language',
            field=models.CharField(choices=[('en', 'English'), ('zh-hans', '简体中文'), ('zh-hant', '繁體中文'), ('th', 'ไทย'), ('bg', 'Български')], default='en', max_length=8, verbose_name='language'),
        ),
        migrations.RunPython(seed, unseed),
    ]
