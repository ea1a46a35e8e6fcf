import datetime

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from classrooms import services
from classrooms.models import JOIN_CODE_ALPHABET, ClassSession, Pupil
from tests.classrooms.conftest import join


def test_a_new_class_has_a_six_character_code_from_the_unambiguous_alphabet(session):
    assert len(session.code) == 6
    assert set(session.code) <= set(JOIN_CODE_ALPHABET)
    assert not set("0O1IL") & set(JOIN_CODE_ALPHABET)


def test_a_class_expires_at_the_end_of_its_day_in_tokyo(session):
    local = timezone.localtime(session.expires_at)
    assert local.date() == session.held_on + datetime.timedelta(days=1)
    assert (local.hour, local.minute) == (0, 0)
    assert str(local.tzinfo) == "Asia/Tokyo"


def test_a_pupil_joins_with_the_code_and_a_nickname_and_nothing_else(client, session):
    response = join(client, session.code.lower(), "さくら")
    assert response.status_code == 302
    assert response["Location"] == f"/class/{session.code}/learn/"
    pupil = Pupil.objects.get()
    assert pupil.nickname == "さくら"
    assert pupil.session == session
    page = client.get(response["Location"])
    assert "さくら さん" in page.content.decode()


def test_the_join_page_with_the_code_in_the_url_has_it_filled_in(client, session):
    page = client.get(f"/class/{session.code}/").content.decode()
    assert f'value="{session.code}"' in page
    assert 'name="nickname"' in page
    assert "email" not in page.lower().split("<main")[1].split("</main>")[0].replace("メール", "")


def test_only_the_token_hash_is_stored(client, session):
    join(client, session.code, "さくら")
    token = client.session[services.DEVICE_SESSION_KEY][str(session.pk)]
    pupil = Pupil.objects.get()
    assert token not in pupil.token_hash
    assert pupil.token_hash == services._hash(token)


def test_the_same_device_resumes_after_closing_the_tab(client, session, children_course):
    _course, lessons = children_course
    join(client, session.code, "さくら")
    client.post(f"/class/{session.code}/learn/{lessons[0].pk}/", {"action": "done"})
    # Coming back to the short URL (or the QR code) on the same device: straight back in.
    response = client.get(f"/class/{session.code}/")
    assert response.status_code == 302
    assert response["Location"] == f"/class/{session.code}/learn/"
    page = client.get(response["Location"]).content.decode()
    assert "1 / 2 レッスン おわった" in page
    assert "つづきから はじめる" in page
    # Typing the code again on the same device does not create a second pupil.
    join(client, session.code, "べつのなまえ")
    assert Pupil.objects.count() == 1


def test_a_duplicate_nickname_is_told_to_choose_another(session):
    first, second = Client(), Client()
    join(first, session.code, "Sakura")
    response = join(second, session.code, "ｓａｋｕｒａ")  # full-width, other case: the same name
    assert response.status_code == 400
    assert "ほかのニックネームにしてね" in response.content.decode()
    assert Pupil.objects.count() == 1


def test_the_same_nickname_in_another_class_is_fine(make_session, teacher, session):
    other = make_session(teacher)
    join(Client(), session.code, "さくら")
    assert join(Client(), other.code, "さくら").status_code == 302


@pytest.mark.parametrize(
    ("nickname", "message"),
    [
        ("", "ニックネームを入れてね"),
        ("あいうえおかきくけこさしす", "12文字まで"),
        ("taro@example.jp", "メールアドレスのようなもの"),
        ("taro＠example", "メールアドレスのようなもの"),
        ("090-1234-5678", "電話番号のような数字"),
        ("０９０１２３４５６７８", "電話番号のような数字"),
        ("さくら もち", "空白"),
        ("<script>", "使えない文字"),
    ],
)
def test_bad_nicknames_are_refused_with_a_kind_message(client, session, nickname, message):
    response = join(client, session.code, nickname)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert 'aria-invalid="true"' in body
    assert Pupil.objects.count() == 0


@pytest.mark.parametrize("nickname", ["さくら", "タロウ", "花子", "Ken7", "ゆう☆", "ﾀﾛｳ"])
def test_good_nicknames_are_accepted(nickname):
    shown, key = services.clean_nickname(nickname)
    assert shown
    assert key == shown.casefold()


def test_an_unknown_code_gets_a_kind_message(client, db):
    response = join(client, "AAAAAA", "さくら")
    assert response.status_code == 404
    assert "見つかりませんでした" in response.content.decode()


def test_a_paused_class_refuses_joins_but_pupils_inside_continue(client, session, children_course):
    _course, lessons = children_course
    join(client, session.code, "さくら")
    services.pause(session)
    response = join(Client(), session.code, "たろう")
    assert response.status_code == 403
    assert "先生の合図を待ってね" in response.content.decode()
    assert client.post(f"/class/{session.code}/learn/{lessons[0].pk}/", {"action": "done"}).status_code == 302
    services.resume(session)
    assert join(Client(), session.code, "たろう").status_code == 302


def test_an_ended_class_refuses_joins_and_progress(client, session, children_course):
    _course, lessons = children_course
    join(client, session.code, "さくら")
    services.end_session(session)
    response = join(Client(), session.code, "たろう")
    assert response.status_code == 403
    assert "もう終わりました" in response.content.decode()
    response = client.post(f"/class/{session.code}/learn/{lessons[0].pk}/", {"action": "done"})
    assert response.status_code == 403
    assert Pupil.objects.get().lessons_done == 0


def test_an_expired_class_refuses_joins(client, session):
    ClassSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = join(client, session.code, "さくら")
    assert response.status_code == 403
    assert "時間は終わりました" in response.content.decode()


def test_extending_a_class_lets_it_run_another_day(session):
    before = session.expires_at
    services.extend(session)
    session.refresh_from_db()
    assert session.expires_at == before + datetime.timedelta(days=1)


def test_a_pupil_reaches_only_their_own_class(client, make_session, teacher, session, children_course):
    _course, lessons = children_course
    other = make_session(teacher)
    join(client, session.code, "さくら")
    # The device's token does not open another class, even of the same teacher.
    response = client.get(f"/class/{other.code}/learn/")
    assert response.status_code == 302
    assert response["Location"] == f"/class/{other.code}/"
    response = client.post(f"/class/{other.code}/learn/{lessons[0].pk}/", {"action": "done"})
    assert response.status_code == 302
    assert Pupil.objects.get().lessons_done == 0


def test_a_removed_pupil_can_no_longer_continue_and_the_nickname_is_free(client, session):
    join(client, session.code, "さくら")
    pupil = Pupil.objects.get()
    services.remove_pupil(session, pupil.pk)
    assert client.get(f"/class/{session.code}/learn/").status_code == 302
    assert join(Client(), session.code, "さくら").status_code == 302


@override_settings(CLASSROOM_JOIN_LIMIT_PER_MINUTE=5)
def test_joining_is_rate_limited_per_client(session):
    statuses = [join(Client(), session.code, f"なまえ{n}").status_code for n in range(7)]
    assert statuses[:5] == [302] * 5
    assert statuses[5:] == [429, 429]
    assert Pupil.objects.count() == 5


@override_settings(CLASSROOM_BAD_CODE_LIMIT_PER_MINUTE=3)
def test_guessing_codes_is_rate_limited_more_tightly(client, session):
    statuses = [join(Client(), code, "さくら").status_code for code in ["AAAAAA", "CCCCCC", "EEEEEE", "FFFFFF"]]
    assert statuses == [404, 404, 404, 429]
    assert join(Client(), session.code, "さくら").status_code == 302  # a right code still works


def test_a_code_reused_after_an_ended_class_finds_the_live_class(client, make_session, teacher, session):
    services.end_session(session)
    live = make_session(teacher)
    ClassSession.objects.filter(pk=live.pk).update(code=session.code)
    assert join(client, session.code, "さくら").status_code == 302
    assert Pupil.objects.get().session_id == live.pk
